package httpfetch

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io/fs"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/batchd/batchd/plugins/fetcher"
)

// testConfig retries quickly so fault-injection tests stay fast.
func testConfig() Config {
	return Config{
		ConnectTimeout:        2 * time.Second,
		ResponseHeaderTimeout: 2 * time.Second,
		IdleTimeout:           2 * time.Second,
		Retries:               3,
		Backoff:               time.Millisecond,
		MaxBackoff:            5 * time.Millisecond,
		MaxRedirects:          10,
	}
}

// content returns n deterministic pseudo-random bytes and their digest.
func content(n int) ([]byte, string) {
	r := rand.NewChaCha8([32]byte{1, 2, 3})
	b := make([]byte, n)
	r.Read(b)
	sum := sha256.Sum256(b)
	return b, hex.EncodeToString(sum[:])
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

// fetchTo fetches uri into a fresh temp file and returns the result, the
// error and the destination path.
func fetchTo(t *testing.T, ctx context.Context, f *Fetcher, uri string, progress func(fetcher.Progress)) (fetcher.Result, error, string) {
	t.Helper()
	dest := filepath.Join(t.TempDir(), "out")
	res, err := f.Fetch(ctx, fetcher.Request{URI: uri, Dest: dest}, progress)
	return res, err, dest
}

// checkFile asserts dest holds bytes with digest want.
func checkFile(t *testing.T, dest, want string) {
	t.Helper()
	got, err := os.ReadFile(dest)
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(got)
	if hex.EncodeToString(sum[:]) != want {
		t.Errorf("%s: content digest differs from the served content", dest)
	}
}

// checkGone asserts dest was removed after a failed fetch.
func checkGone(t *testing.T, dest string) {
	t.Helper()
	if _, err := os.Stat(dest); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("partial %s left behind: %v", dest, err)
	}
}
