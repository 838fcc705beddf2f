package sched_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/batchd/batchd/core"
	mesoscluster "github.com/batchd/batchd/core/mesos"
	"github.com/batchd/batchd/core/sched"
	"github.com/batchd/batchd/localcluster"
)

// TestEndToEndOnLocalCluster drives the real Mesos engine against the
// embedded cluster: successes, a retried failure, and a timeout kill. The
// collector is played by OnUpdate reporting each result as the task starts.
func TestEndToEndOnLocalCluster(t *testing.T) {
	lc := localcluster.New(localcluster.Config{
		Agents: 2, CPUs: 2, MemMB: 256, WorkDir: t.TempDir(),
		HeartbeatInterval: 200 * time.Millisecond, OfferInterval: 20 * time.Millisecond, KillGracePeriod: time.Second,
	})
	if err := lc.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	defer lc.Close()

	cl := mesoscluster.New(mesoscluster.Config{Master: lc.URL(), FrameworkName: "e2e", LaunchRefuse: time.Millisecond})
	var s *sched.Scheduler
	s = sched.New(cl, sched.Config{
		Refuse: 10 * time.Millisecond,
		OnUpdate: func(key string, attempt int, u core.Update) {
			// The tasks meant to fail or time out never report.
			if u.State == core.TaskRunning && key != "job/bad" && key != "job/slow" {
				s.ResultArrived(u.TaskID)
			}
		},
	})
	ctx, cancel := context.WithCancel(context.Background())
	runDone := make(chan error, 1)
	go func() { runDone <- s.Run(ctx) }()
	defer func() {
		cancel()
		if err := <-runDone; err != nil {
			t.Errorf("Run = %v", err)
		}
	}()

	cmd := func(argv ...string) func(int) (core.Launch, error) {
		return func(int) (core.Launch, error) { return core.Launch{Command: argv}, nil }
	}
	tasks := []sched.Task{
		{Key: "job/slow", CPUs: 0.5, MemMB: 16, Timeout: 300 * time.Millisecond, Prepare: cmd("/bin/sh", "-c", "sleep 30")},
		{Key: "job/bad", CPUs: 0.5, MemMB: 16, Retries: 1, Prepare: cmd("/bin/sh", "-c", "exit 3")},
	}
	for _, k := range []string{"job/a", "job/b", "job/c", "job/d", "job/e"} {
		tasks = append(tasks, sched.Task{Key: k, CPUs: 0.5, MemMB: 16, Prepare: cmd("/bin/sh", "-c", "exit 0")})
	}
	s.Submit(tasks...)

	got := map[string]sched.Outcome{}
	deadline := time.After(30 * time.Second)
	for len(got) < len(tasks) {
		select {
		case o := <-s.Done():
			got[o.Key] = o
		case <-deadline:
			t.Fatalf("only %d of %d outcomes: %v", len(got), len(tasks), got)
		}
	}
	for _, k := range []string{"job/a", "job/b", "job/c", "job/d", "job/e"} {
		if o := got[k]; o.Err != nil || o.Attempts != 1 {
			t.Errorf("%s: %+v", k, o)
		}
	}
	if o := got["job/bad"]; !errors.Is(o.Err, sched.ErrTaskFailed) || o.Attempts != 2 || o.State != core.TaskFailed {
		t.Errorf("job/bad: %+v", o)
	}
	if o := got["job/slow"]; !errors.Is(o.Err, sched.ErrTimedOut) || o.State != core.TaskKilled {
		t.Errorf("job/slow: %+v", o)
	}
	if err := cl.Teardown(context.Background()); err != nil {
		t.Fatal(err)
	}
}
