package fetch

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// TestCacheRevalidates fetches one cached URI as three frameworks in turn
// (scopes), changing the source before the third, and counts what the
// source sends: within a scope the copy is reused without asking; a new
// scope asks, and gets the body again only when the source changed or
// cannot say.
func TestCacheRevalidates(t *testing.T) {
	hourAgo := time.Now().Add(-time.Hour)
	tests := []struct {
		name      string
		etag      bool
		modified  bool
		wantSent  int // bodies sent over the four fetches
		wantAsked int // requests
	}{
		// fetches: fw1, fw1 (reused), fw2 (unchanged), fw3 (changed)
		{name: "etag", etag: true, wantSent: 2, wantAsked: 3},
		{name: "last-modified", modified: true, wantSent: 2, wantAsked: 3},
		{name: "no validators", wantSent: 3, wantAsked: 3},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var (
				mu            sync.Mutex
				body          = "v1"
				version       = 1
				sent, answers int
			)
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				mu.Lock()
				defer mu.Unlock()
				answers++
				if tt.etag {
					w.Header().Set("ETag", fmt.Sprintf(`"%d"`, version))
				}
				var mod time.Time
				if tt.modified {
					mod = hourAgo.Add(time.Duration(version) * time.Minute)
				}
				rec := &statusWriter{ResponseWriter: w}
				http.ServeContent(rec, r, "data", mod, strings.NewReader(body))
				if rec.status == 0 || rec.status == http.StatusOK {
					sent++
				}
			}))
			defer srv.Close()
			f := New(Config{CacheDir: filepath.Join(t.TempDir(), "cache")})
			for i, scope := range []string{"fw1", "fw1", "fw2", "fw3"} {
				want := "v1"
				if i == 3 {
					mu.Lock()
					body, version = "v2", 2
					mu.Unlock()
					want = "v2"
				}
				sandbox := t.TempDir()
				if err := f.Fetch(context.Background(), URI{Value: srv.URL + "/data", Cache: true, Scope: scope}, sandbox); err != nil {
					t.Fatal(err)
				}
				if got, _ := os.ReadFile(filepath.Join(sandbox, "data")); string(got) != want {
					t.Fatalf("fetch %d (%s): sandbox has %q, want %q", i+1, scope, got, want)
				}
			}
			if sent != tt.wantSent || answers != tt.wantAsked {
				t.Errorf("source sent %d bodies in %d answers, want %d in %d", sent, answers, tt.wantSent, tt.wantAsked)
			}
		})
	}
}

type statusWriter struct {
	http.ResponseWriter
	status int
}

func (s *statusWriter) WriteHeader(code int) {
	s.status = code
	s.ResponseWriter.WriteHeader(code)
}

// TestCacheRevalidatesFiles: a cached file:// URI rewritten on disk (same
// size, same second) is fetched again by the next framework, while the
// framework that cached it keeps its version.
func TestCacheRevalidatesFiles(t *testing.T) {
	dir := t.TempDir()
	src := filepath.Join(dir, "tool")
	if err := os.WriteFile(src, []byte("v1"), 0o644); err != nil {
		t.Fatal(err)
	}
	f := New(Config{CacheDir: filepath.Join(t.TempDir(), "cache")})
	fetch := func(scope, want string) {
		t.Helper()
		sandbox := t.TempDir()
		if err := f.Fetch(context.Background(), URI{Value: "file://" + src, Cache: true, Scope: scope}, sandbox); err != nil {
			t.Fatal(err)
		}
		if got, _ := os.ReadFile(filepath.Join(sandbox, "tool")); string(got) != want {
			t.Fatalf("%s: sandbox has %q, want %q", scope, got, want)
		}
	}
	fetch("fw1", "v1")
	if err := os.WriteFile(src, []byte("v2"), 0o644); err != nil { // same size, within the racy window
		t.Fatal(err)
	}
	fetch("fw1", "v1") // one framework keeps the version it first saw
	fetch("fw2", "v2")
}
