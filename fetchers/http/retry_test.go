package httpfetch

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/batchd/batchd/plugins/fetcher"
	"github.com/batchd/batchd/plugins/fetcher/fetchertest"
)

func TestFetchRetriesStatus(t *testing.T) {
	data, want := fetchertest.Content(10_000)
	tests := []struct {
		name     string
		failures []int
		retries  int
		wantErr  error
	}{
		{"503 then 200", []int{503}, 3, nil},
		{"500 502 then 200", []int{500, 502}, 3, nil},
		{"429 then 200", []int{429}, 3, nil},
		{"408 then 200", []int{408}, 3, nil},
		{"retries spent", []int{503, 503, 503}, 2, fetcher.ErrUnavailable},
		{"no retries", []int{500}, 0, fetcher.ErrUnavailable},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var rec recorder
			srv, _ := serve(t, func(w http.ResponseWriter, r *http.Request) {
				n := rec.note(r)
				if n <= len(tt.failures) {
					w.Header().Set("Retry-After", "0")
					http.Error(w, "busy", tt.failures[n-1])
					return
				}
				w.Write(data)
			})
			cfg := testConfig()
			cfg.Retries = tt.retries
			res, dest, err := fetchertest.Fetch(t, context.Background(), New(cfg), srv.URL+"/f", nil)
			_, paths, _ := rec.seen()
			if tt.wantErr != nil {
				if !errors.Is(err, tt.wantErr) {
					t.Fatalf("error = %v, want %v", err, tt.wantErr)
				}
				if len(paths) != tt.retries+1 {
					t.Errorf("server saw %d requests, want %d", len(paths), tt.retries+1)
				}
				if !strings.Contains(err.Error(), fmt.Sprint(tt.failures[len(tt.failures)-1])) {
					t.Errorf("error %q does not name the last status", err)
				}
				fetchertest.CheckGone(t, dest)
				return
			}
			if err != nil {
				t.Fatalf("Fetch: %v", err)
			}
			if res.SHA256 != want || len(paths) != len(tt.failures)+1 {
				t.Errorf("digest %s after %d requests, want %s after %d", res.SHA256, len(paths), want, len(tt.failures)+1)
			}
			fetchertest.CheckFile(t, dest, want)
		})
	}
}

// TestFetchResume breaks the first response mid-body in different ways
// and checks the second request asks for the rest with a Range header.
func TestFetchResume(t *testing.T) {
	data, want := fetchertest.Content(2<<20 + 5)
	half := len(data) / 2
	modTime := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	tests := []struct {
		name        string
		break_      string // how the first response fails: "drop", "short", "stall"
		honourRange bool
		wantRanges  []string
	}{
		{"connection dropped, resumed", "drop", true, []string{"", fmt.Sprintf("bytes=%d-", half)}},
		{"short body, resumed", "short", true, []string{"", fmt.Sprintf("bytes=%d-", half)}},
		{"stalled body hits idle timeout, resumed", "stall", true, []string{"", fmt.Sprintf("bytes=%d-", half)}},
		{"server ignores Range, restarted", "drop", false, []string{"", fmt.Sprintf("bytes=%d-", half)}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var rec recorder
			var ifRange []string
			var srv *httptest.Server
			var stop <-chan struct{}
			srv, stop = serve(t, func(w http.ResponseWriter, r *http.Request) {
				n := rec.note(r)
				w.Header().Set("ETag", `"v1"`)
				if n == 1 {
					w.Header().Set("Content-Length", fmt.Sprint(len(data)))
					w.Write(data[:half])
					w.(http.Flusher).Flush()
					switch tt.break_ {
					case "drop":
						panic(http.ErrAbortHandler)
					case "stall":
						select {
						case <-r.Context().Done():
						case <-stop:
						}
					}
					return // "short": the server closes a response shorter than its Content-Length
				}
				ifRange = append(ifRange, r.Header.Get("If-Range"))
				if !tt.honourRange {
					w.Write(data)
					return
				}
				http.ServeContent(w, r, "", modTime, bytes.NewReader(data))
			})
			cfg := testConfig()
			if tt.break_ == "stall" {
				// Short enough to end the stall soon, long enough that a
				// loaded machine does not stall the healthy second answer.
				cfg.IdleTimeout = 500 * time.Millisecond
			}
			res, dest, err := fetchertest.Fetch(t, context.Background(), New(cfg), srv.URL+"/big", nil)
			if err != nil {
				t.Fatalf("Fetch: %v", err)
			}
			if res.Size != int64(len(data)) || res.SHA256 != want {
				t.Errorf("result = %+v, want size %d sha %s", res, len(data), want)
			}
			fetchertest.CheckFile(t, dest, want)
			if ranges, _, _ := rec.seen(); !slices.Equal(ranges, tt.wantRanges) {
				t.Errorf("Range headers seen = %q, want %q", ranges, tt.wantRanges)
			}
			if !slices.Equal(ifRange, []string{`"v1"`}) {
				t.Errorf("If-Range seen = %q, want the first answer's ETag", ifRange)
			}
		})
	}
}

func TestFetchTimeout(t *testing.T) {
	var rec recorder
	var srv *httptest.Server
	var stop <-chan struct{}
	srv, stop = serve(t, func(w http.ResponseWriter, r *http.Request) {
		rec.note(r)
		select { // never answer
		case <-r.Context().Done():
		case <-stop:
		}
	})
	cfg := testConfig()
	cfg.ResponseHeaderTimeout = 50 * time.Millisecond
	cfg.Retries = 1
	start := time.Now()
	_, dest, err := fetchertest.Fetch(t, context.Background(), New(cfg), srv.URL+"/slow", nil)
	if !errors.Is(err, fetcher.ErrUnavailable) || !strings.Contains(err.Error(), "timeout") {
		t.Fatalf("error = %v, want ErrUnavailable naming a timeout", err)
	}
	if d := time.Since(start); d > 10*time.Second {
		t.Errorf("Fetch took %s despite a 50ms timeout", d)
	}
	if _, paths, _ := rec.seen(); len(paths) != 2 {
		t.Errorf("server saw %d requests, want 2", len(paths))
	}
	fetchertest.CheckGone(t, dest)
}

func TestFetchCancel(t *testing.T) {
	t.Run("mid-body", func(t *testing.T) {
		data, _ := fetchertest.Content(2 << 20)
		var srv *httptest.Server
		var stop <-chan struct{}
		srv, stop = serve(t, func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Length", fmt.Sprint(2*len(data)))
			w.Write(data)
			w.(http.Flusher).Flush()
			select {
			case <-r.Context().Done():
			case <-stop:
			}
		})
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		_, dest, err := fetchertest.Fetch(t, ctx, New(testConfig()), srv.URL+"/f", func(p fetcher.Progress) {
			if p.Bytes > 0 {
				cancel()
			}
		})
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("error = %v, want context.Canceled", err)
		}
		fetchertest.CheckGone(t, dest)
	})
	t.Run("during backoff", func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		srv, _ := serve(t, func(w http.ResponseWriter, r *http.Request) {
			http.Error(w, "down", http.StatusServiceUnavailable)
			cancel()
		})
		cfg := testConfig()
		cfg.Backoff, cfg.MaxBackoff = time.Hour, time.Hour
		_, dest, err := fetchertest.Fetch(t, ctx, New(cfg), srv.URL+"/f", nil)
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("error = %v, want context.Canceled", err)
		}
		fetchertest.CheckGone(t, dest)
	})
}

func TestParseContentRange(t *testing.T) {
	tests := []struct {
		in          string
		start, size int64
		ok          bool
	}{
		{"bytes 100-199/200", 100, 200, true},
		{"bytes 0-0/*", 0, -1, true},
		{"bytes 5-9", 0, 0, false},
		{"items 1-2/3", 0, 0, false},
		{"bytes x-9/10", 0, 0, false},
		{"bytes 20-30/10", 0, 0, false},
		{"", 0, 0, false},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			start, size, err := parseContentRange(tt.in)
			if (err == nil) != tt.ok || (tt.ok && (start != tt.start || size != tt.size)) {
				t.Errorf("parseContentRange(%q) = %d, %d, %v", tt.in, start, size, err)
			}
		})
	}
}
