package collector

import (
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

// fixture is a collector behind a real HTTP server, counting OnResult calls.
type fixture struct {
	c   *Collector
	srv *httptest.Server
	dir string

	mu      sync.Mutex
	results []Result
}

func newFixture(t testing.TB, dir string, opts Options) *fixture {
	t.Helper()
	fx := &fixture{dir: dir}
	opts.OnResult = func(r Result) {
		fx.mu.Lock()
		fx.results = append(fx.results, r)
		fx.mu.Unlock()
	}
	c, err := Open(filepath.Join(dir, "results.jsonl"), opts)
	if err != nil {
		t.Fatalf("Open: %v", err)
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

const jsonCT = "application/json"

// postOK returns a before step posting body successfully for task-1.
func postOK(body string) func(*testing.T, *fixture, string) {
	return postOKFor("task-1", body)
}

// postOKFor returns a step posting body successfully for task id.
func postOKFor(id, body string) func(*testing.T, *fixture, string) {
	return func(t *testing.T, fx *fixture, tok string) {
		t.Helper()
		rq := request{path: "/v1/results/" + id, auth: "Bearer " + tok, ctype: jsonCT, body: body}
		if resp, msg := fx.do(t, rq); resp.StatusCode != 200 {
			t.Fatalf("first post: %d %s", resp.StatusCode, msg)
		}
	}
}
