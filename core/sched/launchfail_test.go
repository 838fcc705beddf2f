package sched

import (
	"strings"
	"testing"

	"github.com/batchd/batchd/core"
)

// TestLaunchFailureNamesURIs: real Mesos reports a fetch failure as
// REASON_CONTAINER_LAUNCH_FAILED with a message that names no URI; the
// task's error then names its URIs, without passwords.
func TestLaunchFailureNamesURIs(t *testing.T) {
	tests := []struct {
		name     string
		reason   string
		msg      string
		want     []string
		wantNone []string
	}{
		{
			name:     "mesos fetcher failure",
			reason:   reasonLaunchFailed,
			msg:      "Failed to launch container: Failed to fetch all URIs for container 'c1': exited with status 1",
			want:     []string{"hdfs://nn:8020/data/in.txt", "ftp://u:xxxxx@h/f", "Failed to fetch all URIs"},
			wantNone: []string{"secret"},
		},
		{
			name:     "message already names the URI",
			reason:   reasonLaunchFailed,
			msg:      "fetching hdfs://nn:8020/data/in.txt: unsupported URI scheme",
			wantNone: []string{"the task's URIs"},
		},
		{
			name:     "other failures name no URIs",
			reason:   "REASON_COMMAND_EXECUTOR_FAILED",
			msg:      "Command exited with status 1",
			wantNone: []string{"hdfs://"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t, Config{})
			h.subscribe()
			tk := newTask("job/a", 1, 10)
			tk.Prepare = func(int) (core.Launch, error) {
				return core.Launch{Command: []string{"run"}, URIs: []core.URI{
					{Value: "hdfs://nn:8020/data/in.txt"}, {Value: "ftp://u:secret@h/f"},
				}}, nil
			}
			h.s.Submit(tk)
			h.offer("o", 1, 10)
			id := h.next("Launch").Launches[0].TaskID
			h.send(core.Event{Update: &core.Update{TaskID: id, AgentID: "a1", State: core.TaskFailed, Message: tt.msg, Reason: tt.reason}})
			o := h.outcome()
			for _, w := range tt.want {
				if !strings.Contains(o.Err.Error(), w) {
					t.Errorf("error %q does not say %q", o.Err, w)
				}
			}
			for _, w := range tt.wantNone {
				if strings.Contains(o.Err.Error(), w) {
					t.Errorf("error %q says %q", o.Err, w)
				}
			}
		})
	}
}
