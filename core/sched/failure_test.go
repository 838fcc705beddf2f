package sched

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/batchd/batchd/core"
)

func TestRetriesExhausted(t *testing.T) {
	tests := []struct {
		name  string
		state core.TaskState
		want  error
	}{
		{"failed", core.TaskFailed, ErrTaskFailed},
		{"error", core.TaskError, ErrTaskFailed},
		{"dropped", core.TaskDropped, ErrTaskFailed},
		{"gone", core.TaskGone, ErrTaskFailed},
		{"killed by someone else", core.TaskKilled, ErrTaskFailed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t, Config{})
			h.subscribe()
			tk := newTask("job/a", 1, 10)
			tk.Retries = 1
			h.s.Submit(tk)
			for range 2 {
				h.offer("o", 1, 10)
				h.update(h.next("Launch").Launches[0].TaskID, tt.state, "exit status 3")
			}
			o := h.outcome()
			if !errors.Is(o.Err, tt.want) || o.Attempts != 2 || o.State != tt.state {
				t.Fatalf("outcome = %+v", o)
			}
			for _, s := range []string{string(tt.state), "exit status 3", "attempt 2 of 2"} {
				if !strings.Contains(o.Err.Error(), s) {
					t.Errorf("error %q does not say %q", o.Err, s)
				}
			}
		})
	}
}

func TestTimeoutKill(t *testing.T) {
	h := newHarness(t, Config{})
	h.subscribe()
	tk := newTask("job/slow", 1, 10)
	tk.Timeout = 20 * time.Millisecond
	h.s.Submit(tk)
	h.offer("o", 1, 10)
	h.next("Launch")
	h.update("job.slow.1", core.TaskRunning, "")
	if c := h.next("Kill"); c.TaskID != "job.slow.1" {
		t.Fatalf("killed %q", c.TaskID)
	}
	h.update("job.slow.1", core.TaskKilled, "killed")
	o := h.outcome()
	if !errors.Is(o.Err, ErrTimedOut) || !strings.Contains(o.Err.Error(), "timed out after 20ms") {
		t.Fatalf("outcome = %+v", o)
	}
}

func TestTimeoutRetries(t *testing.T) {
	h := newHarness(t, Config{})
	h.subscribe()
	tk := newTask("job/slow", 1, 10)
	tk.Timeout = 20 * time.Millisecond
	tk.Retries = 1
	h.s.Submit(tk)
	h.offer("o", 1, 10)
	h.next("Launch")
	h.next("Kill")
	h.update("job.slow.1", core.TaskKilled, "")
	h.offer("o", 1, 10)
	if c := h.next("Launch"); c.Launches[0].TaskID != "job.slow.2" {
		t.Fatalf("retry launched as %s", c.Launches[0].TaskID)
	}
	h.update("job.slow.2", core.TaskFinished, "") // well within its timeout
	h.s.ResultArrived("job.slow.2")
	if o := h.outcome(); o.Err != nil || o.Attempts != 2 {
		t.Fatalf("outcome = %+v", o)
	}
}

func TestFinishedWithoutResult(t *testing.T) {
	h := newHarness(t, Config{ResultGrace: 10 * time.Millisecond})
	h.subscribe()
	h.s.Submit(newTask("job/a", 1, 10))
	h.offer("o", 1, 10)
	h.next("Launch")
	h.update("job.a.1", core.TaskFinished, "")
	o := h.outcome()
	if !errors.Is(o.Err, ErrNoResult) || !strings.Contains(o.Err.Error(), "finished without reporting a result") {
		t.Fatalf("outcome = %+v", o)
	}
}

func TestPrepareErrorRetries(t *testing.T) {
	h := newHarness(t, Config{})
	h.subscribe()
	tk := newTask("job/a", 1, 10)
	tk.Retries = 1
	tk.Prepare = func(int) (core.Launch, error) { return core.Launch{}, errors.New("staging failed") }
	h.s.Submit(tk)
	h.offer("o1", 1, 10)
	h.offer("o2", 1, 10)
	o := h.outcome()
	if !errors.Is(o.Err, ErrPrepare) || !strings.Contains(o.Err.Error(), "staging failed") || o.Attempts != 2 {
		t.Fatalf("outcome = %+v", o)
	}
}

// TestRetryBackoff: a failed attempt is retried only after its task's
// backoff, doubled for each further retry.
func TestRetryBackoff(t *testing.T) {
	t.Run("waits", func(t *testing.T) {
		h := newHarness(t, Config{})
		h.subscribe()
		tk := newTask("job/a", 1, 10)
		tk.Retries, tk.Backoff = 3, time.Hour
		h.s.Submit(tk)
		h.offer("o1", 1, 10)
		h.next("Launch")
		h.update("job.a.1", core.TaskFailed, "exit 1")
		h.offer("o2", 1, 10)
		if c := h.next("Launch", "Decline"); c.Method != "Decline" {
			t.Fatalf("%s during the backoff, want the offer declined", c.Method)
		}
	})
	t.Run("then retries", func(t *testing.T) {
		h := newHarness(t, Config{})
		h.subscribe()
		tk := newTask("job/a", 1, 10)
		tk.Retries, tk.Backoff = 3, 20*time.Millisecond
		h.s.Submit(tk)
		h.offer("o1", 1, 10)
		h.next("Launch")
		h.update("job.a.1", core.TaskFailed, "exit 1")
		h.next("Revive") // back in pending once its time came
		h.offer("o2", 1, 10)
		if c := h.next("Launch"); c.Launches[0].TaskID != "job.a.2" {
			t.Fatalf("launched %s, want job.a.2", c.Launches[0].TaskID)
		}
	})
}

func TestRetryPause(t *testing.T) {
	for _, tt := range []struct {
		base time.Duration
		n    int
		want time.Duration
	}{
		{0, 5, 0}, {time.Second, 1, time.Second}, {time.Second, 2, 2 * time.Second},
		{time.Second, 4, 8 * time.Second}, {time.Second, 60, MaxBackoff}, {2 * time.Minute, 1, MaxBackoff},
	} {
		if got := retryPause(tt.base, tt.n); got != tt.want {
			t.Errorf("retryPause(%v, %d) = %v, want %v", tt.base, tt.n, got, tt.want)
		}
	}
}
