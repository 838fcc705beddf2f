package sched

import (
	"reflect"
	"sync"
	"testing"

	"github.com/batchd/batchd/core"
)

// TestResumedAttemptLostIsNotCharged: an attempt launched before batchd
// restarted that the cluster no longer knows is relaunched even with no
// retries left, and the new attempt is numbered after it.
func TestResumedAttemptLostIsNotCharged(t *testing.T) {
	h := newHarness(t, Config{})
	tk := newTask("job/a", 1, 10)
	tk.Resume = &Resume{TaskID: "job.a.1", AgentID: "a7", Attempt: 1}
	h.s.Submit(tk) // Retries 0
	h.subscribe()
	h.next("Reconcile")
	h.update("job.a.1", core.TaskLost, "Reconciliation: Task is unknown")
	h.offer("o", 1, 10)
	if c := h.next("Launch"); !reflect.DeepEqual(launchedIDs(c), []string{"job.a.2"}) {
		t.Fatalf("launched %v, want job.a.2", launchedIDs(c))
	}
	h.update("job.a.2", core.TaskFinished, "")
	h.s.ResultArrived("job.a.2")
	if o := h.outcome(); o.Err != nil || o.Attempts != 2 {
		t.Fatalf("outcome = %+v", o)
	}
}

// TestResumeWithoutAttemptInFlight numbers the next attempt after the
// earlier run's.
func TestResumeWithoutAttemptInFlight(t *testing.T) {
	h := newHarness(t, Config{})
	tk := newTask("job/a", 1, 10)
	tk.Retries = 3
	tk.Resume = &Resume{Attempt: 2}
	h.subscribe()
	h.s.Submit(tk)
	h.offer("o", 1, 10)
	if c := h.next("Launch"); !reflect.DeepEqual(launchedIDs(c), []string{"job.a.3"}) {
		t.Fatalf("launched %v, want job.a.3", launchedIDs(c))
	}
}

// TestResultThenFailedSucceeds: an attempt whose result is in counts as
// done however it ends afterwards.
func TestResultThenFailedSucceeds(t *testing.T) {
	h := newHarness(t, Config{})
	h.subscribe()
	h.s.Submit(newTask("job/a", 1, 10))
	h.offer("o", 1, 10)
	h.next("Launch")
	h.update("job.a.1", core.TaskRunning, "")
	h.s.ResultArrived("job.a.1")
	h.update("job.a.1", core.TaskFailed, "exit 1 after posting")
	if o := h.outcome(); o.Err != nil || o.State != core.TaskFinished {
		t.Fatalf("outcome = %+v", o)
	}
}

// TestAbandonAndSubscribedHooks: the owner hears of every attempt whose
// result stops counting (failed, timed out) and of the framework id.
func TestAbandonAndSubscribedHooks(t *testing.T) {
	var mu sync.Mutex
	var abandoned, ids []string
	h := newHarness(t, Config{
		OnAbandon:    func(id string) { mu.Lock(); abandoned = append(abandoned, id); mu.Unlock() },
		OnSubscribed: func(id string) { mu.Lock(); ids = append(ids, id); mu.Unlock() },
	})
	h.subscribe()
	tk := newTask("job/a", 1, 10)
	tk.Retries = 1
	h.s.Submit(tk)
	h.offer("o1", 1, 10)
	h.next("Launch")
	h.update("job.a.1", core.TaskFailed, "exit 3")
	h.offer("o2", 1, 10)
	h.next("Launch")
	h.update("job.a.2", core.TaskLost, "agent gone")
	h.outcome()
	mu.Lock()
	defer mu.Unlock()
	if !reflect.DeepEqual(abandoned, []string{"job.a.1", "job.a.2"}) || !reflect.DeepEqual(ids, []string{"fw"}) {
		t.Fatalf("abandoned %v, subscribed %v", abandoned, ids)
	}
}

// TestAdoptingLeavesUnknownTasksAlone: a restarted owner's tasks answer
// the first reconciliation before the owner has submitted them; they are
// not killed, and once the owner has adopted what it resumes, a task it
// still does not know is.
func TestAdoptingLeavesUnknownTasksAlone(t *testing.T) {
	h := newHarness(t, Config{Adopting: true})
	h.subscribe()
	h.next("Reconcile")
	h.update("job.a.1", core.TaskRunning, "") // the earlier run's, not submitted yet
	h.update("job.b.1", core.TaskRunning, "") // a launch the earlier run never recorded
	tk := newTask("job/a", 1, 10)
	tk.Resume = &Resume{TaskID: "job.a.1", AgentID: "a1", Attempt: 1}
	h.s.Submit(tk)
	h.s.Adopted()
	if c := h.next("Reconcile", "Kill"); c.Method != "Reconcile" {
		t.Fatalf("%s %q before the owner adopted its tasks", c.Method, c.TaskID)
	}
	h.next("Reconcile") // implicit: everything the cluster runs answers again
	h.update("job.a.1", core.TaskRunning, "")
	h.update("job.b.1", core.TaskRunning, "")
	if c := h.next("Kill"); c.TaskID != "job.b.1" {
		t.Fatalf("killed %q, want the unknown job.b.1", c.TaskID)
	}
	h.update("job.a.1", core.TaskFinished, "")
	h.s.ResultArrived("job.a.1")
	if o := h.outcome(); o.Err != nil || o.Attempts != 1 {
		t.Fatalf("outcome = %+v", o)
	}
}
