package mesoscluster

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/batchd/batchd/core"
)

// TestReadTailFromLocalCluster reads the end of a failed task's stderr from
// the embedded cluster's agent, at the address its offer carried.
func TestReadTailFromLocalCluster(t *testing.T) {
	lc := startLocal(t)
	r := start(t, Config{Master: lc.URL(), FrameworkName: "tail", FailoverTimeout: time.Minute})
	r.waitFor(t, "subscribed", func(ev core.Event) bool { return ev.Subscribed != nil })
	o := r.waitFor(t, "offer", isOffer).Offers[0]
	ctx := context.Background()
	if _, err := r.cl.ReadTail(ctx, "bad.1", "no-such-agent", "stderr", 10); err == nil || !strings.Contains(err.Error(), "no-such-agent") {
		t.Errorf("reading from an agent never offered: err = %v", err)
	}
	script := `for i in $(seq 1 500); do echo "line $i" >&2; done; exit 3`
	err := r.cl.Launch(ctx, o.ID, []core.Launch{{TaskID: "bad.1", AgentID: o.AgentID, Command: []string{"/bin/sh", "-c", script}, CPUs: 0.5, MemMB: 32}})
	if err != nil {
		t.Fatal(err)
	}
	r.waitFor(t, "TASK_FAILED", updateOf("bad.1", core.TaskFailed))

	tests := []struct {
		name, task, file string
		limit            int
		want             string
		wantErr          bool
	}{
		{name: "tail", task: "bad.1", file: "stderr", limit: 18, want: "line 499\nline 500\n"},
		{name: "whole file below limit", task: "bad.1", file: "stdout", limit: 100, want: ""},
		{name: "limit capped at one read", task: "bad.1", file: "stderr", limit: 1 << 20, want: "line 1\n"},
		{name: "unknown task", task: "nope", file: "stderr", limit: 10, wantErr: true},
		{name: "escape", task: "bad.1", file: "../../../../../../etc/passwd", limit: 10, wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := r.cl.ReadTail(ctx, tt.task, o.AgentID, tt.file, tt.limit)
			if (err != nil) != tt.wantErr {
				t.Fatalf("err = %v, want error %v", err, tt.wantErr)
			}
			if tt.name == "limit capped at one read" {
				if !strings.HasPrefix(string(got), tt.want) || !strings.HasSuffix(string(got), "line 500\n") {
					t.Errorf("got %d bytes %.20q..., want the whole file from %q", len(got), got, tt.want)
				}
				return
			}
			if !tt.wantErr && string(got) != tt.want {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
}
