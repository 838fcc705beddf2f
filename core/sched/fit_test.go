package sched

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/batchd/batchd/core"
)

// TestNoFitFails: a task larger than every offer fails after OfferWait
// with ErrNoFit, naming its job, its size and the largest offer; a task
// of the same job that fits runs meanwhile.
func TestNoFitFails(t *testing.T) {
	h := newHarness(t, Config{OfferWait: 100 * time.Millisecond})
	h.subscribe()
	start := time.Now()
	h.s.Submit(newTask("job/big", 4, 100), newTask("job/small", 1, 10))
	h.offer("o1", 2, 512)
	if c := h.next("Launch"); len(c.Launches) != 1 || c.Launches[0].TaskID != "job.small.1" {
		t.Fatalf("launched %+v, want job/small alone", c.Launches)
	}
	o := h.outcome()
	if waited := time.Since(start); !errors.Is(o.Err, ErrNoFit) || o.Key != "job/big" || waited < 100*time.Millisecond {
		t.Fatalf("outcome %+v after %v, want job/big failing with ErrNoFit after 100ms", o, waited)
	}
	for _, want := range []string{"job job", "cpus 4, mem 100 MB", "largest offer: cpus 2, mem 512 MB", "offer_wait"} {
		if !strings.Contains(o.Err.Error(), want) {
			t.Errorf("error %q does not say %q", o.Err, want)
		}
	}
}

// TestNoFitNoOffers: with no offer at all, the task fails after OfferWait
// saying none was seen.
func TestNoFitNoOffers(t *testing.T) {
	h := newHarness(t, Config{OfferWait: 50 * time.Millisecond})
	h.subscribe()
	h.s.Submit(newTask("job/a", 1, 10))
	if o := h.outcome(); !errors.Is(o.Err, ErrNoFit) || !strings.Contains(o.Err.Error(), "none was seen") {
		t.Fatalf("outcome %+v, want ErrNoFit saying no offer was seen", o)
	}
}

// TestNoFitCountsBusyAgents: a task larger than what its agents offer
// while they run this framework's tasks is not failed: an attempt as large
// is in flight, or the offer and what the framework holds on the agent
// together are large enough (a restarted batchd sees its resumed tasks).
func TestNoFitCountsBusyAgents(t *testing.T) {
	const wait = 50 * time.Millisecond
	t.Run("an attempt as large in flight", func(t *testing.T) {
		h := newHarness(t, Config{OfferWait: wait})
		h.subscribe()
		resumed := newTask("job/a", 2, 10)
		resumed.Resume = &Resume{TaskID: "job.a.1", AgentID: "a1", Attempt: 1}
		h.s.Submit(resumed, newTask("job/b", 2, 10))
		for i := range 5 {
			time.Sleep(wait) // no event to wait on: the point is that time passes
			h.offer("busy"+string(rune('0'+i)), 0.5, 10)
		}
		h.noOutcome()
	})
	t.Run("a resumed attempt holds the agent", func(t *testing.T) {
		h := newHarness(t, Config{OfferWait: wait})
		h.subscribe()
		resumed := newTask("job/a", 1, 10)
		resumed.Resume = &Resume{TaskID: "job.a.1", AgentID: "a1", Attempt: 1}
		h.s.Submit(resumed, newTask("job/b", 2, 20))
		for i := range 5 {
			time.Sleep(wait)
			h.offer("busy"+string(rune('0'+i)), 1, 10)
		}
		h.noOutcome()
	})
}

// TestInvalidOfferNotCharged: a launch the master refuses because its
// offer was rescinded never ran: the task is launched again at once,
// without spending its retries.
func TestInvalidOfferNotCharged(t *testing.T) {
	h := newHarness(t, Config{})
	h.subscribe()
	h.s.Submit(newTask("job/a", 1, 10)) // no retries
	h.offer("o1", 1, 10)
	h.next("Launch")
	h.send(core.Event{Rescinded: "o1"})
	h.send(core.Event{Update: &core.Update{TaskID: "job.a.1", State: core.TaskLost, Reason: "REASON_INVALID_OFFERS",
		Message: "Task launched with invalid offers: Offer o1 is no longer valid", Source: "SOURCE_MASTER"}})
	h.offer("o2", 1, 10)
	if c := h.next("Launch"); c.Launches[0].TaskID != "job.a.2" {
		t.Fatalf("relaunched %+v, want job.a.2", c.Launches)
	}
	h.update("job.a.2", core.TaskFinished, "")
	h.s.ResultArrived("job.a.2")
	if o := h.outcome(); o.Err != nil || o.Attempts != 2 {
		t.Fatalf("outcome %+v, want success on the second launch", o)
	}
}
