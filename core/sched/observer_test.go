package sched

import (
	"reflect"
	"sync"
	"testing"
	"time"

	"github.com/batchd/batchd/core"
)

// countingObserver records what an Observer is told.
type countingObserver struct {
	mu                 sync.Mutex
	received, declined int
	launched, retried  map[string]int
	ended              []string // "job state"
}

func (o *countingObserver) Offered(received, declined int) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.received += received
	o.declined += declined
}

func (o *countingObserver) Launched(job string) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.launched[job]++
}

func (o *countingObserver) Retried(job string) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.retried[job]++
}

func (o *countingObserver) Ended(job string, st core.TaskState, d time.Duration) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if d < 0 {
		st = "negative duration"
	}
	o.ended = append(o.ended, job+" "+string(st))
}

// TestObserver counts offers, launches, retries and attempts' ends: a
// task fails once and is retried, then finishes; an offer too small for
// it is declined.
func TestObserver(t *testing.T) {
	obs := &countingObserver{launched: map[string]int{}, retried: map[string]int{}}
	h := newHarness(t, Config{Observer: obs})
	h.subscribe()
	tk := newTask("job/a", 1, 10)
	tk.Retries = 1
	h.s.Submit(tk)

	h.offer("small", 0.5, 10)
	h.next("Decline")
	h.offer("o1", 1, 10)
	first := h.next("Launch").Launches[0].TaskID
	h.update(first, core.TaskFailed, "bad luck")
	h.offer("o2", 1, 10)
	second := h.next("Launch").Launches[0].TaskID
	h.update(second, core.TaskRunning, "")
	h.update(second, core.TaskFinished, "")
	h.s.ResultArrived(second)
	if o := h.outcome(); o.Err != nil {
		t.Fatalf("outcome = %+v", o)
	}

	obs.mu.Lock()
	defer obs.mu.Unlock()
	if obs.received != 3 || obs.declined != 1 {
		t.Errorf("offers received %d, declined %d; want 3, 1", obs.received, obs.declined)
	}
	if want := map[string]int{"job": 2}; !reflect.DeepEqual(obs.launched, want) {
		t.Errorf("launched %v, want %v", obs.launched, want)
	}
	if want := map[string]int{"job": 1}; !reflect.DeepEqual(obs.retried, want) {
		t.Errorf("retried %v, want %v", obs.retried, want)
	}
	if want := []string{"job TASK_FAILED", "job TASK_FINISHED"}; !reflect.DeepEqual(obs.ended, want) {
		t.Errorf("ended %v, want %v", obs.ended, want)
	}
}
