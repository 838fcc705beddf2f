package sched

import (
	"context"
	"testing"
	"time"

	"github.com/batchd/batchd/core"
)

// waitTimeout bounds every wait for something the scheduler must do.
const waitTimeout = 10 * time.Second

// call is one method call the scheduler made on the fake cluster.
type call struct {
	Method   string
	OfferID  string
	Launches []core.Launch
	OfferIDs []string
	Refuse   time.Duration
	TaskID   string
	Refs     []core.TaskRef
}

// fakeCluster is a core.Cluster whose Run hands the test its events
// channel; every other method is recorded on calls and answered by its
// function field when set.
type fakeCluster struct {
	events chan chan<- core.Event
	calls  chan call

	launch func(offerID string, tasks []core.Launch) error
}

var _ core.Cluster = (*fakeCluster)(nil)

func newFakeCluster() *fakeCluster {
	return &fakeCluster{events: make(chan chan<- core.Event, 1), calls: make(chan call, 1000)}
}

func (f *fakeCluster) Run(ctx context.Context, events chan<- core.Event) error {
	f.events <- events
	<-ctx.Done()
	return nil
}

func (f *fakeCluster) Launch(_ context.Context, offerID string, tasks []core.Launch) error {
	f.calls <- call{Method: "Launch", OfferID: offerID, Launches: tasks}
	if f.launch != nil {
		return f.launch(offerID, tasks)
	}
	return nil
}

func (f *fakeCluster) Decline(_ context.Context, ids []string, refuse time.Duration) error {
	f.calls <- call{Method: "Decline", OfferIDs: ids, Refuse: refuse}
	return nil
}

func (f *fakeCluster) Kill(_ context.Context, taskID, _ string) error {
	f.calls <- call{Method: "Kill", TaskID: taskID}
	return nil
}

func (f *fakeCluster) Reconcile(_ context.Context, refs []core.TaskRef) error {
	f.calls <- call{Method: "Reconcile", Refs: refs}
	return nil
}

func (f *fakeCluster) Suppress(context.Context) error {
	f.calls <- call{Method: "Suppress"}
	return nil
}

func (f *fakeCluster) Revive(context.Context) error {
	f.calls <- call{Method: "Revive"}
	return nil
}

func (f *fakeCluster) Teardown(context.Context) error {
	f.calls <- call{Method: "Teardown"}
	return nil
}

// harness runs a Scheduler on a fakeCluster.
type harness struct {
	t      *testing.T
	fc     *fakeCluster
	s      *Scheduler
	events chan<- core.Event
	done   chan error
}

func newHarness(t *testing.T, cfg Config) *harness {
	t.Helper()
	fc := newFakeCluster()
	s := New(fc, cfg)
	h := &harness{t: t, fc: fc, s: s, done: make(chan error, 1)}
	ctx, cancel := context.WithCancel(context.Background())
	go func() { h.done <- s.Run(ctx) }()
	select {
	case h.events = <-fc.events:
	case <-time.After(waitTimeout):
		t.Fatal("cluster Run not called")
	}
	t.Cleanup(func() {
		cancel()
		select {
		case err := <-h.done:
			if err != nil {
				t.Errorf("Run = %v", err)
			}
		case <-time.After(waitTimeout):
			t.Error("Run did not return")
		}
	})
	return h
}

func (h *harness) send(ev core.Event) {
	h.t.Helper()
	select {
	case h.events <- ev:
	case <-time.After(waitTimeout):
		h.t.Fatal("scheduler does not take events")
	}
}

func (h *harness) subscribe() {
	h.t.Helper()
	h.send(core.Event{Subscribed: &core.Subscribed{FrameworkID: "fw"}})
}

func (h *harness) update(taskID string, st core.TaskState, msg string) {
	h.t.Helper()
	h.send(core.Event{Update: &core.Update{TaskID: taskID, AgentID: "a1", State: st, Message: msg}})
}

func (h *harness) offer(id string, cpus, mem float64) {
	h.t.Helper()
	h.send(core.Event{Offers: []core.Offer{{ID: id, AgentID: "a1", CPUs: cpus, MemMB: mem}}})
}

// next waits for the next cluster call of one of the given methods,
// skipping the others.
func (h *harness) next(methods ...string) call {
	h.t.Helper()
	deadline := time.After(waitTimeout)
	for {
		select {
		case c := <-h.fc.calls:
			for _, m := range methods {
				if c.Method == m {
					return c
				}
			}
		case <-deadline:
			h.t.Fatalf("no %v call", methods)
			return call{}
		}
	}
}

func (h *harness) outcome() Outcome {
	h.t.Helper()
	select {
	case o := <-h.s.Done():
		return o
	case <-time.After(waitTimeout):
		h.t.Fatal("no outcome")
		return Outcome{}
	}
}

// noOutcome checks no outcome is ready after the scheduler handled
// everything sent so far (an event round-trip proves it is idle).
func (h *harness) noOutcome() {
	h.t.Helper()
	h.send(core.Event{Rescinded: "sync"})
	select {
	case o := <-h.s.Done():
		h.t.Fatalf("unexpected outcome %+v", o)
	default:
	}
}

func newTask(key string, cpus, mem float64) Task {
	return Task{Key: key, Job: "job", CPUs: cpus, MemMB: mem, Prepare: func(int) (core.Launch, error) {
		return core.Launch{Command: []string{"run", key}}, nil
	}}
}
