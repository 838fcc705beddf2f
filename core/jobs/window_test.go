package jobs

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/batchd/batchd/core"
	"github.com/batchd/batchd/plugins/fetcher"
	"github.com/batchd/batchd/plugins/workload"
)

// TestRunKeepsAWindowInTheScheduler runs more tasks than the window: no
// more than the window is ever in the scheduler, every result reaches
// Reduce with its task's Data.
func TestRunKeepsAWindowInTheScheduler(t *testing.T) {
	const tasks, window = 50, 4
	var fetches atomic.Int32
	var reduced []workload.Result
	wl := sumLike(tasks, func() {})
	wl.ReduceFunc = func(ctx context.Context, job workload.Job, next func() (workload.Result, error)) (workload.Summary, error) {
		for {
			res, err := next()
			if errors.Is(err, io.EOF) {
				return workload.Summary{Text: fmt.Sprintf("reduced %d", len(reduced))}, nil
			} else if err != nil {
				return workload.Summary{}, err
			}
			reduced = append(reduced, res)
		}
	}
	h := newHarness(t, wl, writingFetcher("x", &fetches), func(h *harness, l core.Launch) error {
		h.postOutput(l, fmt.Sprintf(`{"args":%q}`, strings.Join(l.Command[2:], " ")), "")
		return nil
	})
	h.r.cfg.Window = window
	rep, err := h.r.Run(context.Background(), Spec{Name: "j", Workload: "sum", CPUs: 0.1, MemMB: 32})
	if err != nil {
		t.Fatalf("Run: %v", err)
	}
	if rep.Tasks != tasks || rep.Finished != tasks || len(reduced) != tasks {
		t.Fatalf("report %+v, %d results reduced; want %d tasks", rep, len(reduced), tasks)
	}
	if h.sched.most > window {
		t.Errorf("%d tasks in the scheduler at once, want at most %d", h.sched.most, window)
	}
	for _, res := range reduced {
		var out struct{ Args string }
		if err := json.Unmarshal(res.Output, &out); err != nil {
			t.Fatalf("task %s: output %s: %v", res.TaskID, res.Output, err)
		}
		if want := `"` + out.Args + `"`; string(res.Data) != want {
			t.Errorf("task %s: Data %s, want the group it ran, %s", res.TaskID, res.Data, want)
		}
	}
	if n := fetches.Load(); n != 1 {
		t.Errorf("the shared program was fetched %d times, want 1", n)
	}
}

// TestBadPlanLaunchesNothing: a plan whose last task repeats an id, or
// whose last task's artifact cannot be staged, fails before any launch.
func TestBadPlanLaunchesNothing(t *testing.T) {
	tests := []struct {
		name    string
		last    workload.TaskSpec
		wantErr string
	}{
		{"repeated id", workload.TaskSpec{ID: "3", Command: []string{"x"}}, `task id "3" is empty or repeated`},
		{"no command", workload.TaskSpec{ID: "last"}, "task last has no command"},
		{"artifact missing", workload.TaskSpec{ID: "last", Command: []string{"x"},
			Artifacts: []workload.Artifact{{URI: "http://h/missing"}}}, "task last: staging http://h/missing"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			wl := &workload.Fake{
				DescribeFunc: func(context.Context) (workload.Info, error) { return workload.Info{}, nil },
				PlanFunc: func(ctx context.Context, job workload.Job, emit func(workload.TaskSpec) error) error {
					for i := range 10 {
						if err := emit(workload.TaskSpec{ID: fmt.Sprint(i), Command: []string{"x"}}); err != nil {
							return err
						}
					}
					return emit(tt.last)
				},
			}
			var fetches atomic.Int32
			f := writingFetcher("x", &fetches)
			inner := f.FetchFunc
			f.FetchFunc = func(ctx context.Context, req fetcher.Request, p func(fetcher.Progress)) (fetcher.Result, error) {
				if strings.Contains(req.URI, "missing") {
					return fetcher.Result{}, errors.New("404 Not Found")
				}
				return inner(ctx, req, p)
			}
			h := newHarness(t, wl, f, func(h *harness, l core.Launch) error {
				t.Errorf("task %s launched", l.TaskID)
				return nil
			})
			_, err := h.r.Run(context.Background(), Spec{Name: "j", Workload: "w"})
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("Run error = %v, want %q", err, tt.wantErr)
			}
			if h.sched.submits != 0 {
				t.Errorf("%d tasks submitted, want none", h.sched.submits)
			}
		})
	}
}

// TestFinishedTaskForgotten: once a task has ended, the collector refuses
// a further post from its attempt (409: no longer current).
func TestFinishedTaskForgotten(t *testing.T) {
	var fetches atomic.Int32
	var (
		mu       sync.Mutex
		launched []core.Launch
	)
	h := newHarness(t, counting(3, "file:///tool"), writingFetcher("x", &fetches), func(h *harness, l core.Launch) error {
		mu.Lock()
		launched = append(launched, l)
		mu.Unlock()
		h.post(l, "")
		return nil
	})
	if _, err := h.r.Run(context.Background(), Spec{Name: "j", Workload: "count"}); err != nil {
		t.Fatalf("Run: %v", err)
	}
	for _, l := range launched {
		if code := h.post(l, "again"); code != http.StatusConflict {
			t.Errorf("post for finished %s: status %d, want 409", l.TaskID, code)
		}
	}
	if strings.Contains(h.out.String(), "again") {
		t.Errorf("a post after the task ended was printed:\n%s", h.out.String())
	}
}
