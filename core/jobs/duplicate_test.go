package jobs

import (
	"context"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/batchd/batchd/core"
)

// TestSecondAttemptResultCountedOnce: when two attempts of a task both
// report (the first was reported lost but kept running, as after a master
// failover on real Mesos), the task's result is printed and reduced once.
func TestSecondAttemptResultCountedOnce(t *testing.T) {
	var fetches atomic.Int32
	h := newHarness(t, counting(3, "http://example.com/tool"), writingFetcher("x", &fetches),
		func(h *harness, l core.Launch) error {
			h.post(l, "done "+l.Name)
			return nil
		})
	h.sched.attempts = 2
	rep, err := h.r.Run(context.Background(), Spec{Name: "j", Workload: "count", CPUs: 0.5, MemMB: 32})
	if err != nil {
		t.Fatalf("Run: %v", err)
	}
	if rep.Finished != 3 || rep.Summary.Text != "reduced 3" {
		t.Errorf("report = %+v", rep)
	}
	out := h.out.String()
	for _, key := range []string{"j/0", "j/1", "j/2"} {
		if n := strings.Count(out, "done "+key+"\n"); n != 1 {
			t.Errorf("%s's result printed %d times, want once:\n%s", key, n, out)
		}
	}
}
