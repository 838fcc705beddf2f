package sched

import (
	"errors"
	"reflect"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/batchd/batchd/core"
	"github.com/batchd/batchd/internal/procgroup"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m, goleak.IgnoreTopFunction(procgroup.SpawnerFunc))
}

func launchedIDs(c call) []string {
	var ids []string
	for _, l := range c.Launches {
		ids = append(ids, l.TaskID)
	}
	return ids
}

func TestPackingFirstFitFIFO(t *testing.T) {
	h := newHarness(t, Config{})
	h.subscribe()
	h.s.Submit(newTask("job/a", 2, 100), newTask("job/b", 2, 100), newTask("job/c", 1, 100), newTask("job/d", 1, 1000))
	h.offer("o1", 3, 500)
	c := h.next("Launch")
	if c.OfferID != "o1" || !reflect.DeepEqual(launchedIDs(c), []string{"job.a.1", "job.c.1"}) {
		t.Fatalf("launch = %+v, want a and c on o1", c)
	}
	l := c.Launches[0]
	if l.AgentID != "a1" || l.CPUs != 2 || l.MemMB != 100 || l.Name != "job/a" || !reflect.DeepEqual(l.Command, []string{"run", "job/a"}) {
		t.Fatalf("launch a = %+v", l)
	}
	h.offer("o2", 4, 2000)
	if c := h.next("Launch"); !reflect.DeepEqual(launchedIDs(c), []string{"job.b.1", "job.d.1"}) {
		t.Fatalf("second launch = %v", launchedIDs(c))
	}
}

func TestDecline(t *testing.T) {
	tests := []struct {
		name   string
		submit []Task
	}{
		{"nothing pending", nil},
		{"nothing fits", []Task{newTask("job/big", 8, 100)}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t, Config{Refuse: 7 * time.Second})
			h.subscribe()
			h.s.Submit(tt.submit...)
			h.offer("o1", 1, 100)
			c := h.next("Decline", "Launch")
			if c.Method != "Decline" || !reflect.DeepEqual(c.OfferIDs, []string{"o1"}) || c.Refuse != 7*time.Second {
				t.Fatalf("call = %+v, want Decline o1 refusing 7s", c)
			}
		})
	}
}

func TestSuppressRevive(t *testing.T) {
	h := newHarness(t, Config{})
	h.subscribe()
	h.next("Suppress")
	h.s.Submit(newTask("job/a", 1, 10))
	h.next("Revive")
	h.offer("o1", 1, 10)
	h.next("Launch")
	if c := h.next("Suppress", "Revive"); c.Method != "Suppress" {
		t.Fatalf("after launching the last task got %s, want Suppress", c.Method)
	}
	h.update("job.a.1", core.TaskFailed, "boom") // no retries: nothing to revive for
	if o := h.outcome(); o.Err == nil {
		t.Fatalf("outcome = %+v", o)
	}
	// A resubscription starts unsuppressed; with nothing pending, suppress again.
	h.send(core.Event{Disconnected: errors.New("gone")})
	h.subscribe()
	h.next("Suppress")
}

func TestRetryThenSuccess(t *testing.T) {
	var attempts []int
	h := newHarness(t, Config{})
	h.subscribe()
	tk := newTask("job/a", 1, 10)
	tk.Retries = 2
	prep := tk.Prepare
	tk.Prepare = func(n int) (core.Launch, error) { attempts = append(attempts, n); return prep(n) }
	h.s.Submit(tk)

	for i, st := range []core.TaskState{core.TaskFailed, core.TaskLost} {
		h.offer("o", 1, 10)
		c := h.next("Launch")
		want := AttemptID("job/a", i+1)
		if c.Launches[0].TaskID != want {
			t.Fatalf("attempt %d launched as %s, want %s", i+1, c.Launches[0].TaskID, want)
		}
		h.update(want, st, "bad luck")
	}
	h.offer("o", 1, 10)
	id := h.next("Launch").Launches[0].TaskID
	h.update(id, core.TaskRunning, "")
	h.update(id, core.TaskFinished, "")
	h.s.ResultArrived(id)
	o := h.outcome()
	if o.Err != nil || o.Attempts != 3 || o.TaskID != "job.a.3" || o.State != core.TaskFinished {
		t.Fatalf("outcome = %+v", o)
	}
	if !reflect.DeepEqual(attempts, []int{1, 2, 3}) {
		t.Fatalf("Prepare called with %v", attempts)
	}
}

func TestResultAndFinishedInEitherOrder(t *testing.T) {
	tests := []struct {
		name        string
		resultFirst bool
	}{
		{"result before finished", true},
		{"finished before result", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t, Config{})
			h.subscribe()
			h.s.Submit(newTask("job/a", 1, 10))
			h.offer("o", 1, 10)
			h.next("Launch")
			h.update("job.a.1", core.TaskRunning, "")
			if tt.resultFirst {
				h.s.ResultArrived("job.a.1")
				h.noOutcome() // a result alone is not success
				h.update("job.a.1", core.TaskFinished, "")
			} else {
				h.update("job.a.1", core.TaskFinished, "")
				h.noOutcome()
				h.s.ResultArrived("job.a.1")
			}
			if o := h.outcome(); o.Err != nil || o.Key != "job/a" {
				t.Fatalf("outcome = %+v", o)
			}
		})
	}
}

func TestReconcileOnResubscribe(t *testing.T) {
	h := newHarness(t, Config{})
	h.subscribe()
	h.s.Submit(newTask("job/a", 1, 10), newTask("job/b", 1, 10))
	h.offer("o", 2, 20)
	h.next("Launch")
	h.update("job.b.1", core.TaskFinished, "")
	h.s.ResultArrived("job.b.1")
	h.outcome()
	h.send(core.Event{Disconnected: errors.New("master gone")})
	h.subscribe()
	c := h.next("Reconcile")
	if !reflect.DeepEqual(c.Refs, []core.TaskRef{{TaskID: "job.a.1", AgentID: "a1"}}) {
		t.Fatalf("reconciled %+v, want job.a.1 only", c.Refs)
	}
	h.update("job.a.1", core.TaskFinished, "")
	h.s.ResultArrived("job.a.1")
	if o := h.outcome(); o.Err != nil || o.Key != "job/a" {
		t.Fatalf("outcome = %+v", o)
	}
}

func TestPeriodicReconcile(t *testing.T) {
	h := newHarness(t, Config{ReconcileEvery: 20 * time.Millisecond})
	h.subscribe()
	h.s.Submit(newTask("job/a", 1, 10))
	h.offer("o", 1, 10)
	h.next("Launch")
	for range 2 { // without any resubscription: explicit, then implicit
		if c := h.next("Reconcile"); !reflect.DeepEqual(c.Refs, []core.TaskRef{{TaskID: "job.a.1", AgentID: "a1"}}) {
			t.Fatalf("reconciled %+v, want job.a.1", c.Refs)
		}
		if c := h.next("Reconcile"); len(c.Refs) != 0 {
			t.Fatalf("reconciled %+v, want all tasks (implicit)", c.Refs)
		}
	}
}

// lostAndRelaunched runs task job/a (one retry) whose first attempt is
// reported lost, up to the launch of its second attempt.
func lostAndRelaunched(t *testing.T) *harness {
	h := newHarness(t, Config{})
	h.subscribe()
	tk := newTask("job/a", 1, 10)
	tk.Retries = 1
	h.s.Submit(tk)
	h.offer("o", 1, 10)
	h.next("Launch")
	h.update("job.a.1", core.TaskLost, "Reconciliation: Task is unknown")
	h.offer("o", 1, 10)
	h.next("Launch")
	return h
}

// An attempt reported lost and retried that turns up running (as after a
// master failover, once its agent re-registers) is killed; a stray's
// terminal update is only ignored.
func TestStrayAttemptKilled(t *testing.T) {
	h := lostAndRelaunched(t)
	h.update("job.a.1", core.TaskRunning, "")
	if c := h.next("Kill"); c.TaskID != "job.a.1" {
		t.Fatalf("killed %q, want the stray job.a.1", c.TaskID)
	}
	h.update("job.a.1", core.TaskKilled, "")
	h.update("other.task.1", core.TaskFinished, "")
	h.update("job.a.2", core.TaskFinished, "")
	h.s.ResultArrived("job.a.2")
	if o := h.outcome(); o.Err != nil || o.TaskID != "job.a.2" {
		t.Fatalf("outcome = %+v", o)
	}
	for { // every call made by now is in the channel: the outcome came after them
		select {
		case c := <-h.fc.calls:
			if c.Method == "Kill" {
				t.Errorf("killed %q as well; only running strays are killed", c.TaskID)
			}
			continue
		default:
		}
		break
	}
}

func TestStaleUpdatesIgnored(t *testing.T) {
	h := lostAndRelaunched(t)
	// The first attempt shows up after all; it must not end the task.
	h.update("job.a.1", core.TaskFinished, "")
	h.s.ResultArrived("job.a.1")
	h.update("unknown.task.1", core.TaskFailed, "")
	h.noOutcome()
	h.update("job.a.2", core.TaskFinished, "")
	h.s.ResultArrived("job.a.2")
	if o := h.outcome(); o.Err != nil || o.TaskID != "job.a.2" || o.Attempts != 2 {
		t.Fatalf("outcome = %+v", o)
	}
}

func TestLaunchNotConnectedKeepsTaskPending(t *testing.T) {
	h := newHarness(t, Config{})
	fail := true
	h.fc.launch = func(string, []core.Launch) error {
		if fail {
			fail = false
			return core.ErrNotConnected
		}
		return nil
	}
	h.subscribe()
	h.s.Submit(newTask("job/a", 1, 10))
	h.offer("o1", 1, 10)
	h.next("Launch")
	h.offer("o2", 1, 10)
	if c := h.next("Launch"); c.Launches[0].TaskID != "job.a.1" {
		t.Fatalf("relaunched as %s, want attempt 1 again", c.Launches[0].TaskID)
	}
}

// TestLaunchErrorReconcilesAndDeclines: an ACCEPT that failed on the way
// (the connection dropped) may or may not have reached the master: the
// scheduler asks for the tasks' state and declines the offer, so its
// resources come back if the master never saw the ACCEPT.
func TestLaunchErrorReconcilesAndDeclines(t *testing.T) {
	h := newHarness(t, Config{})
	h.fc.launch = func(string, []core.Launch) error { return errors.New("EOF") }
	h.subscribe()
	h.s.Submit(newTask("job/a", 1, 10))
	h.offer("o1", 1, 10)
	h.next("Launch") // skips the subscription's reconciliation
	if c := h.next("Reconcile"); !reflect.DeepEqual(c.Refs, []core.TaskRef{{TaskID: "job.a.1", AgentID: "a1"}}) {
		t.Fatalf("reconciled %+v, want the launched attempt", c.Refs)
	}
	if c := h.next("Decline"); !reflect.DeepEqual(c.OfferIDs, []string{"o1"}) || c.Refuse != 0 {
		t.Fatalf("declined %v with refuse %v, want o1 with none", c.OfferIDs, c.Refuse)
	}
}

func TestResume(t *testing.T) {
	h := newHarness(t, Config{})
	tk := newTask("job/a", 1, 10)
	tk.Resume = &Resume{TaskID: "job.a.2", AgentID: "a7", Attempt: 2}
	h.s.Submit(tk)
	h.subscribe()
	if c := h.next("Reconcile"); !reflect.DeepEqual(c.Refs, []core.TaskRef{{TaskID: "job.a.2", AgentID: "a7"}}) {
		t.Fatalf("reconciled %+v", c.Refs)
	}
	h.update("job.a.2", core.TaskFinished, "")
	h.s.ResultArrived("job.a.2")
	if o := h.outcome(); o.Err != nil || o.Attempts != 2 {
		t.Fatalf("outcome = %+v", o)
	}
}

func TestObserversAndClose(t *testing.T) {
	var launched []string
	var states []core.TaskState
	h := newHarness(t, Config{
		OnLaunch: func(key string, n int, l core.Launch) { launched = append(launched, l.TaskID) },
		OnUpdate: func(key string, n int, u core.Update) { states = append(states, u.State) },
	})
	h.subscribe()
	h.s.Submit(newTask("job/a", 1, 10))
	h.offer("o", 1, 10)
	h.next("Launch")
	h.update("job.a.1", core.TaskRunning, "")
	h.update("job.a.1", core.TaskFinished, "")
	h.s.ResultArrived("job.a.1")
	h.outcome()
	h.s.Close()
	if err := <-h.done; err != nil {
		t.Fatalf("Run after Close = %v", err)
	}
	h.done <- nil
	if _, open := <-h.s.Done(); open {
		t.Fatal("Done not closed after Run returned")
	}
	if !reflect.DeepEqual(launched, []string{"job.a.1"}) || !reflect.DeepEqual(states, []core.TaskState{core.TaskRunning, core.TaskFinished}) {
		t.Fatalf("observed launches %v, updates %v", launched, states)
	}
}
