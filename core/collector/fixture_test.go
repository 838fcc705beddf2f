package collector

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
)

// memCommitter is a test Committer: it keeps what it committed, in order,
// and can be made to fail or to hold a Commit until released.
type memCommitter struct {
	mu        sync.Mutex
	batches   [][]Result
	committed map[string]Result
	// fail, when set, is asked before each Commit (numbered from 1) and
	// may return the error that Commit returns.
	fail func(n int) error
	// hold, when set, is called at the start of each Commit (numbered
	// from 1) outside the lock, and may block.
	hold func(n int)
}

func (m *memCommitter) Commit(results []Result) error {
	m.mu.Lock()
	n := len(m.batches) + 1
	m.batches = append(m.batches, append([]Result(nil), results...))
	m.mu.Unlock()
	if m.hold != nil {
		m.hold(n)
	}
	if m.fail != nil {
		if err := m.fail(n); err != nil {
			return err
		}
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.committed == nil {
		m.committed = map[string]Result{}
	}
	for _, r := range results {
		m.committed[r.TaskID] = r
	}
	return nil
}

// result returns the committed result of attempt id.
func (m *memCommitter) result(id string) (Result, bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	r, ok := m.committed[id]
	return r, ok
}

// batchSizes returns the size of each Commit's batch, in order.
func (m *memCommitter) batchSizes() []int {
	m.mu.Lock()
	defer m.mu.Unlock()
	sizes := make([]int, len(m.batches))
	for i, b := range m.batches {
		sizes[i] = len(b)
	}
	return sizes
}

// fixture is a collector behind a real HTTP server, counting OnResult calls.
type fixture struct {
	c   *Collector
	srv *httptest.Server
	com *memCommitter

	mu      sync.Mutex
	results []Result
}

// newFixture starts a collector; opts.Committer defaults to a new memCommitter.
func newFixture(t testing.TB, opts Options) *fixture {
	t.Helper()
	fx := &fixture{}
	if opts.Committer == nil {
		opts.Committer = &memCommitter{}
	}
	fx.com, _ = opts.Committer.(*memCommitter)
	opts.OnResult = func(r Result) {
		fx.mu.Lock()
		fx.results = append(fx.results, r)
		fx.mu.Unlock()
	}
	c, err := New(opts)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	fx.c = c
	fx.srv = httptest.NewServer(c.Handler())
	t.Cleanup(func() {
		fx.srv.Close()
		c.Close()
	})
	return fx
}

func (fx *fixture) onResultCalls() int {
	fx.mu.Lock()
	defer fx.mu.Unlock()
	return len(fx.results)
}

func (fx *fixture) register(t testing.TB, id string) string {
	t.Helper()
	tok, err := fx.c.Register(id)
	if err != nil {
		t.Fatalf("Register(%q): %v", id, err)
	}
	return tok
}

// request is one HTTP call to the collector.
type request struct {
	method string
	path   string // defaults to /v1/results/task-1
	auth   string // full Authorization header; "" sends none
	ctype  string
	body   string
}

func (fx *fixture) do(t testing.TB, rq request) (*http.Response, string) {
	t.Helper()
	if rq.method == "" {
		rq.method = http.MethodPost
	}
	if rq.path == "" {
		rq.path = "/v1/results/task-1"
	}
	req, err := http.NewRequest(rq.method, fx.srv.URL+rq.path, strings.NewReader(rq.body))
	if err != nil {
		t.Fatal(err)
	}
	if rq.auth != "" {
		req.Header.Set("Authorization", rq.auth)
	}
	if rq.ctype != "" {
		req.Header.Set("Content-Type", rq.ctype)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp, string(body)
}

// post posts body for attempt id with token tok and returns the status and answer.
func (fx *fixture) post(t testing.TB, id, tok, body string) (int, string) {
	t.Helper()
	resp, msg := fx.do(t, request{path: "/v1/results/" + id, auth: "Bearer " + tok, ctype: jsonCT, body: body})
	return resp.StatusCode, msg
}

const jsonCT = "application/json"

// postOK returns a before step posting body successfully for task-1.
func postOK(body string) func(*testing.T, *fixture, string) {
	return postOKFor("task-1", body)
}

// postOKFor returns a step posting body successfully for task id.
func postOKFor(id, body string) func(*testing.T, *fixture, string) {
	return func(t *testing.T, fx *fixture, tok string) {
		t.Helper()
		if status, msg := fx.post(t, id, tok, body); status != 200 {
			t.Fatalf("first post: %d %s", status, msg)
		}
	}
}
