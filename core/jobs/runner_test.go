package jobs

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/batchd/batchd/core"
	"github.com/batchd/batchd/core/collector"
	"github.com/batchd/batchd/core/sched"
	"github.com/batchd/batchd/core/staging"
	"github.com/batchd/batchd/core/state"
	"github.com/batchd/batchd/internal/archive"
	"github.com/batchd/batchd/plugins/fetcher"
	"github.com/batchd/batchd/plugins/workload"
)

// fakePlugins hands out one workload, one fetcher for every scheme and one
// extractor for every format.
type fakePlugins struct {
	wl workload.Workload
	f  *fetcher.Fake
}

func (p fakePlugins) Workload(context.Context, string) (workload.Workload, error) { return p.wl, nil }
func (p fakePlugins) FetcherFor(context.Context, string) (fetcher.Fetcher, error) { return p.f, nil }
func (p fakePlugins) ExtractorFor(context.Context, string) (fetcher.Extractor, error) {
	return p.f, nil
}

// ArchiveFormat answers as the built-in archive plugin would.
func (p fakePlugins) ArchiveFormat(_ context.Context, name string) (string, bool, error) {
	f, ok := archive.FormatOf(name)
	return string(f), ok, nil
}

// fakeScheduler runs each submitted task at once: it prepares attempt 1,
// lets run decide the outcome and reports it, as the real scheduler would
// after the cluster's updates.
type fakeScheduler struct {
	done     chan sched.Outcome
	run      func(l core.Launch) error // nil error: the task finished
	attempts int                       // attempts run per task, each to its end; 0 means 1
	mu       sync.Mutex
	submits  int
	inflight int // submitted, outcome not yet sent
	most     int // the largest inflight seen
}

func (s *fakeScheduler) Submit(tasks ...sched.Task) {
	s.mu.Lock()
	s.submits += len(tasks)
	s.inflight += len(tasks)
	s.most = max(s.most, s.inflight)
	s.mu.Unlock()
	n := max(s.attempts, 1)
	for _, t := range tasks {
		go func() {
			var l core.Launch
			var err error
			for a := 1; a <= n; a++ {
				if l, err = t.Prepare(a); err == nil {
					err = s.run(l)
				}
			}
			s.mu.Lock()
			s.inflight--
			s.mu.Unlock()
			s.done <- sched.Outcome{Key: t.Key, TaskID: l.TaskID, Attempts: n, Err: err}
		}()
	}
}
func (s *fakeScheduler) ResultArrived(string)       {}
func (s *fakeScheduler) Done() <-chan sched.Outcome { return s.done }

// harness is a Runner over a real store and collector, fake plugins and a
// fake scheduler whose tasks post results straight to the collector.
type harness struct {
	r     *Runner
	out   bytes.Buffer
	sched *fakeScheduler
	coll  *collector.Collector
	db    *state.Store
	store *staging.Store
	env   sync.Map // task id -> launch env
}

func newHarness(t *testing.T, wl workload.Workload, f *fetcher.Fake, run func(h *harness, l core.Launch) error) *harness {
	t.Helper()
	dir := t.TempDir()
	store, err := staging.Open(filepath.Join(dir, "staging"), staging.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	h := &harness{store: store}
	db, err := state.Open(filepath.Join(dir, "state"), state.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	h.db = db
	coll, err := collector.New(collector.Options{
		Committer: committer(func(rs []collector.Result) error { return h.r.Commit(rs) }),
		OnResult:  func(res collector.Result) { h.r.Result(res) },
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { coll.Close() })
	h.coll = coll
	h.sched = &fakeScheduler{done: make(chan sched.Outcome), run: func(l core.Launch) error {
		h.env.Store(l.TaskID, l.Env)
		return run(h, l)
	}}
	h.r = New(Config{
		Plugins: fakePlugins{wl: wl, f: f}, Store: store, Collector: coll, Scheduler: h.sched, State: db,
		Advertise: "http://batchd.test:1234", InputDir: filepath.Join(dir, "inputs"), Out: &h.out,
	})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { defer close(done); h.r.Dispatch(ctx) }()
	t.Cleanup(func() { cancel(); <-done })
	return h
}

// post delivers a task's result through the collector's handler, as the
// task would, and returns the status code.
func (h *harness) post(l core.Launch, display string) int {
	return h.postOutput(l, `{"ok":true}`, display)
}

func (h *harness) postOutput(l core.Launch, output, display string) int {
	body, _ := json.Marshal(map[string]any{"output": json.RawMessage(output), "display": display})
	req := httptest.NewRequest(http.MethodPost, "/v1/results/"+l.TaskID, bytes.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+l.Env[workload.EnvTaskToken])
	req.Header.Set("Content-Type", "application/json")
	w := httptest.NewRecorder()
	h.coll.Handler().ServeHTTP(w, req)
	return w.Code
}

// committer adapts a function to collector.Committer.
type committer func([]collector.Result) error

func (f committer) Commit(rs []collector.Result) error { return f(rs) }

// counting is a workload of n tasks, each fetching one shared artifact.
func counting(n int, uri string) *workload.Fake {
	return &workload.Fake{
		DescribeFunc: func(context.Context) (workload.Info, error) { return workload.Info{Name: "count"}, nil },
		PlanFunc: func(ctx context.Context, job workload.Job, emit func(workload.TaskSpec) error) error {
			for i := range n {
				err := emit(workload.TaskSpec{ID: fmt.Sprint(i), Command: []string{"./tool", fmt.Sprint(i)},
					Artifacts: []workload.Artifact{{URI: uri, Executable: true}}})
				if err != nil {
					return err
				}
			}
			return nil
		},
		ReduceFunc: func(ctx context.Context, job workload.Job, next func() (workload.Result, error)) (workload.Summary, error) {
			k := 0
			for {
				if _, err := next(); errors.Is(err, io.EOF) {
					break
				} else if err != nil {
					return workload.Summary{}, err
				}
				k++
			}
			return workload.Summary{Text: fmt.Sprintf("reduced %d", k)}, nil
		},
	}
}

// writingFetcher writes body to every Dest and counts its fetches.
func writingFetcher(body string, fetches *atomic.Int32) *fetcher.Fake {
	return &fetcher.Fake{FetchFunc: func(ctx context.Context, req fetcher.Request, _ func(fetcher.Progress)) (fetcher.Result, error) {
		fetches.Add(1)
		if err := os.WriteFile(req.Dest, []byte(body), 0o644); err != nil {
			return fetcher.Result{}, err
		}
		sum := sha256.Sum256([]byte(body))
		return fetcher.Result{Size: int64(len(body)), SHA256: hex.EncodeToString(sum[:])}, nil
	}}
}

func TestRunStagesOnceAndReduces(t *testing.T) {
	var fetches atomic.Int32
	sum := sha256.Sum256([]byte("#!/bin/sh\n"))
	h := newHarness(t, counting(50, "http://example.com/tools/tool"), writingFetcher("#!/bin/sh\n", &fetches),
		func(h *harness, l core.Launch) error {
			digest := hex.EncodeToString(sum[:])
			want := "http://batchd.test:1234" + h.store.URLPath("j", staging.Blob{Digest: digest, Name: "tool"})
			if len(l.URIs) != 1 || l.URIs[0].Value != want || !l.URIs[0].Executable || l.URIs[0].OutputFile != "tool" {
				return fmt.Errorf("URIs = %+v, want %s", l.URIs, want)
			}
			if l.Env[workload.EnvTaskID] != l.TaskID || l.Env[workload.EnvTaskToken] == "" ||
				!strings.HasPrefix(l.Env[workload.EnvCollectorURL], "http://batchd.test:1234/v1/results/") {
				return fmt.Errorf("env = %v", l.Env)
			}
			h.post(l, "done "+l.TaskID)
			return nil
		})
	rep, err := h.r.Run(context.Background(), Spec{Name: "j", Workload: "count", CPUs: 0.5, MemMB: 32})
	if err != nil {
		t.Fatalf("Run: %v", err)
	}
	if rep.Finished != 50 || rep.Summary.Text != "reduced 50" {
		t.Errorf("report = %+v", rep)
	}
	h.r.mu.Lock()
	if len(h.r.tasks) != 0 || len(h.r.attempts) != 0 {
		t.Errorf("the runner still tracks %d tasks and %d attempts after the job", len(h.r.tasks), len(h.r.attempts))
	}
	h.r.mu.Unlock()
	if n := fetches.Load(); n != 1 {
		t.Errorf("the shared artifact was fetched %d times, want 1", n)
	}
	out := h.out.String()
	if strings.Count(out, "done j.") != 50 || !strings.HasSuffix(out, "job j: 50 tasks finished, reduced 50\n") {
		t.Errorf("output:\n%s", out)
	}
}

func TestRunFailures(t *testing.T) {
	var fetches atomic.Int32
	tests := []struct {
		name      string
		wl        *workload.Fake
		f         *fetcher.Fake
		spec      Spec
		run       func(h *harness, l core.Launch) error
		wantErr   string
		wantOut   string
		wantAll   []string // more the error must say
		wantNamed int      // failed tasks the error names, when > 1
		submitted int
	}{
		{
			name: "a task fails",
			wl:   counting(3, "file:///tool"), f: writingFetcher("x", &fetches),
			run: func(h *harness, l core.Launch) error {
				if strings.HasSuffix(l.TaskID, ".1.1") {
					return errors.New("TASK_FAILED: exit 3")
				}
				h.post(l, "")
				return nil
			},
			wantErr: "1 of 3 tasks failed:\ntask j/1: TASK_FAILED: exit 3", wantOut: "job j: 1 of 3 tasks failed\n",
			submitted: 3,
		},
		{
			name: "every failed task is named, past the first hundred counted",
			wl:   counting(103, "file:///tool"), f: writingFetcher("x", &fetches),
			run: func(h *harness, l core.Launch) error {
				return fmt.Errorf("TASK_FAILED: %s", l.TaskID)
			},
			wantErr: "103 of 103 tasks failed:\ntask j/", wantOut: "job j: 103 of 103 tasks failed\n",
			wantAll:   []string{"\nand 3 more failed tasks (`batchd results` lists them all)"},
			wantNamed: 100,
			submitted: 103,
		},
		{
			name: "finished without a result",
			wl:   counting(1, "file:///tool"), f: writingFetcher("x", &fetches),
			run:     func(h *harness, l core.Launch) error { return nil },
			wantErr: "finished without a result", submitted: 1,
		},
		{
			name: "checksum mismatch fails before launch",
			wl:   counting(2, "file:///tool"), f: writingFetcher("x", &fetches),
			spec:    Spec{Artifacts: []workload.Artifact{{URI: "http://h/data", Checksum: "sha256:" + strings.Repeat("0", 64)}}},
			wantErr: "staging http://h/data",
		},
		{
			name: "hostile archive fails before launch",
			wl:   counting(2, "file:///tool"),
			f: func() *fetcher.Fake {
				f := writingFetcher("not really a tar", &fetches)
				f.ExtractFunc = func(ctx context.Context, req fetcher.ExtractRequest) (fetcher.ExtractResult, error) {
					return fetcher.ExtractResult{}, fmt.Errorf("entry %q: escapes the target folder: %w", "../x", fetcher.ErrUnsafeArchive)
				}
				return f
			}(),
			spec:    Spec{Artifacts: []workload.Artifact{{URI: "http://h/evil.tar.gz", Extract: true}}},
			wantErr: `archive evil.tar.gz: entry "../x": escapes the target folder`,
		},
		{
			name: "plan hangs past plugin_timeout",
			wl: &workload.Fake{PlanFunc: func(ctx context.Context, job workload.Job, emit func(workload.TaskSpec) error) error {
				<-ctx.Done()
				return ctx.Err()
			}},
			f: writingFetcher("x", &fetches), spec: Spec{PluginTimeout: 50 * time.Millisecond},
			wantErr: "plugin did not answer within plugin_timeout 50ms",
		},
		{
			name: "invalid params",
			wl: &workload.Fake{PlanFunc: func(ctx context.Context, job workload.Job, emit func(workload.TaskSpec) error) error {
				return fmt.Errorf("group 2 %q: %w", "4 x 6", workload.ErrInvalidParams)
			}},
			f: writingFetcher("x", &fetches), wantErr: `planning with workload w: group 2 "4 x 6"`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.wl.DescribeFunc == nil {
				tt.wl.DescribeFunc = func(context.Context) (workload.Info, error) { return workload.Info{}, nil }
			}
			run := tt.run
			if run == nil {
				run = func(h *harness, l core.Launch) error { t.Errorf("task %s launched", l.TaskID); return nil }
			}
			h := newHarness(t, tt.wl, tt.f, run)
			spec := tt.spec
			spec.Name, spec.Workload = "j", "w"
			_, err := h.r.Run(context.Background(), spec)
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("Run error = %v, want %q", err, tt.wantErr)
			}
			if n := strings.Count(err.Error(), "\ntask j/"); tt.wantNamed > 1 && n != tt.wantNamed {
				t.Errorf("Run error names %d tasks, want %d", n, tt.wantNamed)
			}
			for _, w := range tt.wantAll {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("Run error does not say %q:\n%v", w, err)
				}
			}
			if tt.wantOut != "" && h.out.String() != tt.wantOut {
				t.Errorf("output = %q, want %q", h.out.String(), tt.wantOut)
			}
			if h.sched.submits != tt.submitted {
				t.Errorf("%d tasks submitted, want %d", h.sched.submits, tt.submitted)
			}
		})
	}
}
