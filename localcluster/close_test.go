package localcluster

import (
	"context"
	"strconv"
	"strings"
	"syscall"
	"testing"

	mesos "github.com/mesos/mesos-go/api/v1/lib"
	"go.uber.org/goleak"

	"github.com/batchd/batchd/internal/procgroup"
)

func TestClose(t *testing.T) {
	tests := []struct {
		name    string
		workDir bool
	}{
		{name: "given work folder"},
		{name: "temporary work folder", workDir: true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			before := goleak.IgnoreCurrent()
			spawners := goleak.IgnoreTopFunction(procgroup.SpawnerFunc)
			cfg := Config{CPUs: 2}
			if !tc.workDir {
				cfg.WorkDir = t.TempDir()
			}
			c := New(cfg)
			if err := c.Start(context.Background()); err != nil {
				t.Fatal(err)
			}
			f := subscribe(t, c, protobufCodec(), frameworkInfo("close"))
			f.launch(f.offers()[0], shellTask("c", "echo $$ > pid; exec sleep 1000"))
			f.waitState("c", mesos.TASK_RUNNING)
			pid, err := strconv.Atoi(strings.TrimSpace(waitFile(t, c, "c", "pid")))
			if err != nil {
				t.Fatal(err)
			}
			if err := c.Close(); err != nil {
				t.Fatalf("Close: %v", err)
			}
			if syscall.Kill(pid, 0) == nil {
				t.Errorf("task process %d alive after Close", pid)
			}
			if err := f.ended(); err != nil {
				t.Errorf("event stream after Close: %v", err)
			}
			f.close()
			goleak.VerifyNone(t, before, spawners)
		})
	}
}

func TestRun(t *testing.T) {
	tests := []struct {
		name    string
		listen  string
		wantErr bool
	}{
		{name: "serves until cancelled", listen: "127.0.0.1:0"},
		{name: "bad listen address", listen: "256.0.0.1:0", wantErr: true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ctx, cancel := context.WithCancel(context.Background())
			cancel()
			err := Run(ctx, Config{Listen: tc.listen, WorkDir: t.TempDir()})
			if (err != nil) != tc.wantErr {
				t.Errorf("Run: %v, want error %v", err, tc.wantErr)
			}
		})
	}
}
