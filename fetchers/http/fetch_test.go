package httpfetch

import (
	"bytes"
	"context"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/batchd/batchd/plugins/fetcher"
	"github.com/batchd/batchd/plugins/fetcher/fetchertest"
)

func TestFetch(t *testing.T) {
	data, want := fetchertest.Content(3<<20 + 17)
	tests := []struct {
		name      string
		chunked   bool
		wantTotal int64
	}{
		{"content length", false, int64(len(data))},
		{"chunked", true, -1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var rec recorder
			srv, _ := serve(t, func(w http.ResponseWriter, r *http.Request) {
				rec.note(r)
				if !tt.chunked {
					w.Header().Set("Content-Length", fmt.Sprint(len(data)))
				}
				w.Write(data)
			})
			cfg := testConfig()
			cfg.Headers = map[string]string{"Authorization": "Bearer s3cret"}
			var last fetcher.Progress
			res, dest, err := fetchertest.Fetch(t, context.Background(), New(cfg), srv.URL+"/blob", func(p fetcher.Progress) { last = p })
			if err != nil {
				t.Fatalf("Fetch: %v", err)
			}
			if res.Size != int64(len(data)) || res.SHA256 != want {
				t.Errorf("result = %+v, want size %d sha %s", res, len(data), want)
			}
			if last.Bytes != int64(len(data)) || last.Total != tt.wantTotal {
				t.Errorf("last progress = %+v, want %d of %d", last, len(data), tt.wantTotal)
			}
			fetchertest.CheckFile(t, dest, want)
			if _, _, auth := rec.seen(); !slices.Equal(auth, []string{"Bearer s3cret"}) {
				t.Errorf("Authorization seen = %q", auth)
			}
		})
	}
}

func TestFetchStatusErrors(t *testing.T) {
	tests := []struct {
		status int
		want   error
	}{
		{http.StatusNotFound, fetcher.ErrNotFound},
		{http.StatusGone, fetcher.ErrNotFound},
		{http.StatusUnauthorized, fetcher.ErrPermission},
		{http.StatusForbidden, fetcher.ErrPermission},
		{http.StatusBadRequest, nil},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprint(tt.status), func(t *testing.T) {
			var rec recorder
			srv, _ := serve(t, func(w http.ResponseWriter, r *http.Request) {
				rec.note(r)
				http.Error(w, "no", tt.status)
			})
			cfg := testConfig()
			cfg.Headers = map[string]string{"Authorization": "Bearer t0ken"}
			uri := strings.Replace(srv.URL, "http://", "http://alice:hunter2@", 1) + "/missing.bin"
			_, dest, err := fetchertest.Fetch(t, context.Background(), New(cfg), uri, nil)
			if err == nil {
				t.Fatal("Fetch succeeded")
			}
			if tt.want != nil && !errors.Is(err, tt.want) {
				t.Errorf("error = %v, want %v", err, tt.want)
			}
			if errors.Is(err, fetcher.ErrUnavailable) {
				t.Errorf("error = %v: a 4xx must not be reported as unavailable", err)
			}
			msg := err.Error()
			for _, s := range []string{fmt.Sprint(tt.status), "/missing.bin", "alice"} {
				if !strings.Contains(msg, s) {
					t.Errorf("error %q does not mention %q", msg, s)
				}
			}
			for _, s := range []string{"hunter2", "t0ken"} {
				if strings.Contains(msg, s) {
					t.Errorf("error %q leaks a secret", msg)
				}
			}
			if _, paths, _ := rec.seen(); len(paths) != 1 {
				t.Errorf("server saw %d requests, want 1 (no retry on 4xx)", len(paths))
			}
			fetchertest.CheckGone(t, dest)
		})
	}
}

func TestFetchRedirects(t *testing.T) {
	data, want := fetchertest.Content(1000)
	var rec recorder
	srv, _ := serve(t, func(w http.ResponseWriter, r *http.Request) {
		rec.note(r)
		switch p := r.URL.Path; {
		case p == "/data":
			w.Write(data)
		case strings.HasPrefix(p, "/chain/"):
			var n int
			fmt.Sscan(strings.TrimPrefix(p, "/chain/"), &n)
			if n == 0 {
				http.Redirect(w, r, "/data", http.StatusFound)
				return
			}
			http.Redirect(w, r, fmt.Sprintf("/chain/%d", n-1), http.StatusMovedPermanently)
		case p == "/to-file":
			http.Redirect(w, r, "file:///etc/passwd", http.StatusFound)
		case p == "/loop/a":
			http.Redirect(w, r, "/loop/b", http.StatusFound)
		case p == "/loop/b":
			http.Redirect(w, r, "/loop/a", http.StatusFound)
		default:
			http.NotFound(w, r)
		}
	})
	tests := []struct {
		name         string
		path         string
		maxRedirects int
		wantErr      string
		wantRequests int
	}{
		{"chain", "/chain/3", 10, "", 5},
		{"chain at limit", "/chain/3", 4, "", 5},
		{"chain over limit", "/chain/3", 2, "too many redirects", 3},
		{"loop", "/loop/a", 10, "redirect loop", 2},
		{"to a missing file", "/nowhere", 10, "404", 1},
		{"to another scheme", "/to-file", 10, "redirect to a non-http URL", 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := len(rec.paths)
			cfg := testConfig()
			cfg.MaxRedirects = tt.maxRedirects
			res, dest, err := fetchertest.Fetch(t, context.Background(), New(cfg), srv.URL+tt.path, nil)
			_, paths, _ := rec.seen()
			if got := len(paths) - before; got != tt.wantRequests {
				t.Errorf("server saw %d requests %q, want %d", got, paths[before:], tt.wantRequests)
			}
			if tt.wantErr == "" {
				if err != nil {
					t.Fatalf("Fetch: %v", err)
				}
				if res.SHA256 != want {
					t.Errorf("digest = %s, want %s", res.SHA256, want)
				}
				fetchertest.CheckFile(t, dest, want)
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("error = %v, want one mentioning %q", err, tt.wantErr)
			}
			fetchertest.CheckGone(t, dest)
		})
	}
}

func TestFetchHTTPS(t *testing.T) {
	data, want := fetchertest.Content(4096)
	srv := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.Write(data) }))
	t.Cleanup(srv.Close)
	caFile := filepath.Join(t.TempDir(), "ca.pem")
	pemBytes := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: srv.Certificate().Raw})
	if err := os.WriteFile(caFile, pemBytes, 0o644); err != nil {
		t.Fatal(err)
	}

	t.Run("trusted with ca_file", func(t *testing.T) {
		f := New(testConfig())
		settings, _ := json.Marshal(map[string]any{"ca_file": caFile})
		if err := f.Configure(context.Background(), settings); err != nil {
			t.Fatalf("Configure: %v", err)
		}
		res, dest, err := fetchertest.Fetch(t, context.Background(), f, srv.URL+"/x", nil)
		if err != nil {
			t.Fatalf("Fetch: %v", err)
		}
		if res.SHA256 != want {
			t.Errorf("digest = %s, want %s", res.SHA256, want)
		}
		fetchertest.CheckFile(t, dest, want)
	})
	t.Run("untrusted certificate fails at once", func(t *testing.T) {
		_, dest, err := fetchertest.Fetch(t, context.Background(), New(testConfig()), srv.URL+"/x", nil)
		if err == nil || errors.Is(err, fetcher.ErrUnavailable) || !strings.Contains(err.Error(), "certificate") {
			t.Fatalf("error = %v, want a certificate error without retries", err)
		}
		fetchertest.CheckGone(t, dest)
	})
}

func TestFetchUnsupported(t *testing.T) {
	for _, uri := range []string{"ftp://example.com/x", "file:///etc/passwd", "http://", "/abs/path", "http://u:p@[::1"} {
		t.Run(uri, func(t *testing.T) {
			_, _, err := fetchertest.Fetch(t, context.Background(), New(testConfig()), uri, nil)
			if !errors.Is(err, fetcher.ErrUnsupported) {
				t.Fatalf("error = %v, want ErrUnsupported", err)
			}
			if bytes.Contains([]byte(err.Error()), []byte("u:p@")) {
				t.Errorf("error %q leaks userinfo", err)
			}
		})
	}
}

func TestDescribe(t *testing.T) {
	info, err := New(DefaultConfig()).Describe(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if info.Name != "http" || !slices.Equal(info.Schemes, []string{"http", "https"}) || info.Version == "" {
		t.Errorf("Describe = %+v", info)
	}
}
