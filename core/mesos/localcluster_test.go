package mesoscluster

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/batchd/batchd/core"
	"github.com/batchd/batchd/localcluster"
)

// startLocal starts an embedded cluster with short heartbeat and offer periods.
func startLocal(t *testing.T) *localcluster.Cluster {
	t.Helper()
	lc := localcluster.New(localcluster.Config{
		Agents: 1, CPUs: 2, MemMB: 256, WorkDir: t.TempDir(),
		HeartbeatInterval: 100 * time.Millisecond, OfferInterval: 20 * time.Millisecond,
		KillGracePeriod: time.Second,
	})
	if err := lc.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := lc.Close(); err != nil {
			t.Error(err)
		}
	})
	return lc
}

// waitFor returns the next event matching ok, skipping heartbeats of other kinds.
func (r *running) waitFor(t *testing.T, what string, ok func(core.Event) bool) core.Event {
	t.Helper()
	return r.waitWithin(t, waitTimeout, what, ok)
}

// waitWithin is waitFor with a deadline of d, declining the offers it skips.
func (r *running) waitWithin(t *testing.T, d time.Duration, what string, ok func(core.Event) bool) core.Event {
	t.Helper()
	deadline := time.After(d)
	for {
		select {
		case ev := <-r.events:
			if ok(ev) {
				return ev
			}
			if len(ev.Offers) > 0 { // keep the pool flowing
				ids := make([]string, len(ev.Offers))
				for i, o := range ev.Offers {
					ids[i] = o.ID
				}
				if err := r.cl.Decline(context.Background(), ids, 0); err != nil {
					t.Errorf("declining: %v", err)
				}
			}
		case <-deadline:
			t.Fatalf("no %s event", what)
			return core.Event{}
		}
	}
}

func isOffer(ev core.Event) bool { return len(ev.Offers) > 0 }

func updateOf(taskID string, st core.TaskState) func(core.Event) bool {
	return func(ev core.Event) bool {
		return ev.Update != nil && ev.Update.TaskID == taskID && ev.Update.State == st
	}
}

func TestAgainstLocalCluster(t *testing.T) {
	for _, codec := range []string{"protobuf", "json"} {
		t.Run(codec, func(t *testing.T) {
			lc := startLocal(t)
			r := start(t, Config{Master: lc.URL(), FrameworkName: "it", Role: "batch", Codec: codec, FailoverTimeout: time.Minute,
				LaunchRefuse: time.Millisecond})
			sub := r.waitFor(t, "subscribed", func(ev core.Event) bool { return ev.Subscribed != nil })
			if sub.Subscribed.FrameworkID == "" || sub.Subscribed.Heartbeat != 100*time.Millisecond {
				t.Fatalf("subscribed = %+v", sub.Subscribed)
			}
			o := r.waitFor(t, "offer", isOffer).Offers[0]
			if o.CPUs != 2 || o.MemMB != 256 {
				t.Fatalf("offer = %+v", o)
			}
			err := r.cl.Launch(context.Background(), o.ID, []core.Launch{{
				TaskID: "ok.1", AgentID: o.AgentID, Command: []string{"/bin/sh", "-c", "exit 0"}, CPUs: 0.5, MemMB: 32,
			}})
			if err != nil {
				t.Fatal(err)
			}
			r.waitFor(t, "TASK_FINISHED", updateOf("ok.1", core.TaskFinished))

			o = r.waitFor(t, "offer", isOffer).Offers[0]
			err = r.cl.Launch(context.Background(), o.ID, []core.Launch{{
				TaskID: "sleep.1", AgentID: o.AgentID, Command: []string{"/bin/sh", "-c", "sleep 30"}, CPUs: 0.5, MemMB: 32,
			}})
			if err != nil {
				t.Fatal(err)
			}
			r.waitFor(t, "TASK_RUNNING", updateOf("sleep.1", core.TaskRunning))
			if err := r.cl.Kill(context.Background(), "sleep.1", o.AgentID); err != nil {
				t.Fatal(err)
			}
			r.waitFor(t, "TASK_KILLED", updateOf("sleep.1", core.TaskKilled))

			if err := r.cl.Reconcile(context.Background(), []core.TaskRef{{TaskID: "ok.1", AgentID: o.AgentID}}); err != nil {
				t.Fatal(err)
			}
			// As Mesos answers (master.cpp, Master::reconcile): a task whose
			// terminal update was acknowledged is unknown to the agent.
			r.waitFor(t, "reconciled TASK_LOST", updateOf("ok.1", core.TaskLost))
			if err := r.cl.Suppress(context.Background()); err != nil {
				t.Fatal(err)
			}
			if err := r.cl.Revive(context.Background()); err != nil {
				t.Fatal(err)
			}
			r.waitFor(t, "offer after revive", isOffer)
			if err := r.cl.Teardown(context.Background()); err != nil {
				t.Fatal(err)
			}
			// The master has forgotten the framework: calls after the
			// teardown have nothing to reach and say so, without asking.
			if err := r.cl.Reconcile(context.Background(), nil); !errors.Is(err, core.ErrNotConnected) {
				t.Errorf("Reconcile after Teardown = %v, want ErrNotConnected", err)
			}
			if err := r.stop(t); err != nil {
				t.Fatalf("Run after Teardown = %v", err)
			}
		})
	}
}

func TestLocalClusterHeartbeatLoss(t *testing.T) {
	lc := startLocal(t)
	p := newFreezeProxy(t, lc.URL()[len("http://"):])
	cl := New(Config{Master: "http://" + p.addr(), FailoverTimeout: time.Minute})
	cl.minBackoff, cl.maxBackoff, cl.hbSlack = 5*time.Millisecond, 20*time.Millisecond, 50*time.Millisecond
	ctx, cancel := context.WithCancel(context.Background())
	r := &running{cl: cl, events: make(chan core.Event), cancel: cancel, done: make(chan error, 1)}
	go func() { r.done <- cl.Run(ctx, r.events) }()
	t.Cleanup(func() { r.stop(t) })

	first := r.waitFor(t, "subscribed", func(ev core.Event) bool { return ev.Subscribed != nil }).Subscribed
	p.freeze()
	ev := r.waitFor(t, "disconnected", func(ev core.Event) bool { return ev.Disconnected != nil })
	if !errors.Is(ev.Disconnected, ErrHeartbeatTimeout) {
		t.Fatalf("disconnected because %v, want ErrHeartbeatTimeout", ev.Disconnected)
	}
	again := r.waitFor(t, "re-subscribed", func(ev core.Event) bool { return ev.Subscribed != nil }).Subscribed
	if again.FrameworkID != first.FrameworkID {
		t.Fatalf("re-subscribed as %q, want %q", again.FrameworkID, first.FrameworkID)
	}
	o := r.waitFor(t, "offer after re-subscription", isOffer).Offers[0]
	if err := r.cl.Decline(context.Background(), []string{o.ID}, time.Second); err != nil {
		t.Fatal(err)
	}
}
