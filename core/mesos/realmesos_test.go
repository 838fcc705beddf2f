package mesoscluster

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/batchd/batchd/core"
	"github.com/batchd/batchd/internal/mesoskit"
)

// realWait bounds each wait on real Mesos, whose executors take a while to
// start on a loaded machine.
const realWait = time.Minute

// reconciled matches an answer to a reconciliation about taskID in state st.
func reconciled(taskID string, st core.TaskState) func(core.Event) bool {
	return func(ev core.Event) bool {
		return ev.Update != nil && ev.Update.TaskID == taskID && ev.Update.State == st &&
			ev.Update.Reason == "REASON_RECONCILIATION"
	}
}

// waitAll waits until each of matches has matched an event, in any order:
// Mesos sends the updates of different tasks in no set order.
func (r *running) waitAll(t *testing.T, what string, matches ...func(core.Event) bool) {
	t.Helper()
	left := slices.Clone(matches)
	r.waitWithin(t, realWait, what, func(ev core.Event) bool {
		for i, m := range left {
			if m(ev) {
				left = slices.Delete(left, i, i+1)
				break
			}
		}
		return len(left) == 0
	})
}

// TestAgainstRealMesos drives the engine against Apache Mesos 1.11.1 with
// both codecs: launch, explicit and implicit reconciliation, kill, teardown.
func TestAgainstRealMesos(t *testing.T) {
	m := mesoskit.Start(t, mesoskit.Options{MasterFlags: []string{"--allocation_interval=100ms"}})
	for _, codec := range []string{"protobuf", "json"} {
		t.Run(codec, func(t *testing.T) {
			r := start(t, Config{Master: m.Master, FrameworkName: "engine-" + codec, Codec: codec,
				FailoverTimeout: time.Minute, LaunchRefuse: time.Millisecond})
			sub := r.waitWithin(t, realWait, "subscribed", func(ev core.Event) bool { return ev.Subscribed != nil }).Subscribed
			if sub.FrameworkID == "" || sub.Heartbeat <= 0 {
				t.Fatalf("subscribed = %+v", sub)
			}
			o := r.waitWithin(t, realWait, "offer", isOffer).Offers[0]
			err := r.cl.Launch(context.Background(), o.ID, []core.Launch{
				{TaskID: "ok.1", AgentID: o.AgentID, Command: []string{"/bin/sh", "-c", "exit 0"}, CPUs: 0.1, MemMB: 16},
				{TaskID: "sleep.1", AgentID: o.AgentID, Command: []string{"/bin/sh", "-c", "sleep 60"}, CPUs: 0.1, MemMB: 16},
			})
			if err != nil {
				t.Fatal(err)
			}
			r.waitAll(t, "ok.1 TASK_FINISHED and sleep.1 TASK_RUNNING",
				updateOf("ok.1", core.TaskFinished), updateOf("sleep.1", core.TaskRunning))

			// Explicit: the running task's state, and TASK_LOST for one the
			// master never saw (batchd is not partition-aware).
			refs := []core.TaskRef{{TaskID: "sleep.1", AgentID: o.AgentID}, {TaskID: "nosuch.1", AgentID: o.AgentID}}
			if err := r.cl.Reconcile(context.Background(), refs); err != nil {
				t.Fatal(err)
			}
			r.waitAll(t, "explicit answers for sleep.1 and nosuch.1",
				reconciled("sleep.1", core.TaskRunning), reconciled("nosuch.1", core.TaskLost))

			// Implicit: every task the master holds for the framework.
			if err := r.cl.Reconcile(context.Background(), nil); err != nil {
				t.Fatal(err)
			}
			r.waitWithin(t, realWait, "implicit answer for sleep.1", reconciled("sleep.1", core.TaskRunning))

			if err := r.cl.Kill(context.Background(), "sleep.1", o.AgentID); err != nil {
				t.Fatal(err)
			}
			r.waitWithin(t, realWait, "TASK_KILLED", updateOf("sleep.1", core.TaskKilled))
			if err := r.cl.Teardown(context.Background()); err != nil {
				t.Fatal(err)
			}
			if err := r.stop(t); err != nil {
				t.Fatalf("Run after Teardown = %v", err)
			}
		})
	}
}
