package httpfetch

import (
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/batchd/batchd/plugins/sdk"
)

// testConfig retries quickly so fault-injection tests stay fast.
func testConfig() Config {
	return Config{
		ConnectTimeout:        2 * time.Second,
		ResponseHeaderTimeout: 2 * time.Second,
		IdleTimeout:           2 * time.Second,
		RetrySettings:         sdk.RetrySettings{Retries: 3, Backoff: time.Millisecond, MaxBackoff: 5 * time.Millisecond},
		MaxRedirects:          10,
	}
}

// serve starts h on 127.0.0.1:0 and closes it when the test ends. The
// returned channel is closed first, so handlers blocked on it return.
func serve(t testing.TB, h http.HandlerFunc) (*httptest.Server, <-chan struct{}) {
	t.Helper()
	srv := httptest.NewServer(h)
	stop := make(chan struct{})
	t.Cleanup(srv.Close)
	t.Cleanup(func() { close(stop) })
	return srv, stop
}

// recorder notes what the server saw, safely across handler goroutines.
type recorder struct {
	mu     sync.Mutex
	ranges []string
	paths  []string
	auth   []string
}

func (r *recorder) note(req *http.Request) int {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.ranges = append(r.ranges, req.Header.Get("Range"))
	r.paths = append(r.paths, req.URL.Path)
	r.auth = append(r.auth, req.Header.Get("Authorization"))
	return len(r.paths)
}

func (r *recorder) seen() (ranges, paths, auth []string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]string(nil), r.ranges...), append([]string(nil), r.paths...), append([]string(nil), r.auth...)
}
