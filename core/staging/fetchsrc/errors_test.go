package fetchsrc_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"

	"github.com/batchd/batchd/core/staging"
	"github.com/batchd/batchd/core/staging/fetchsrc"
	archivefetch "github.com/batchd/batchd/fetchers/archive"
	filefetch "github.com/batchd/batchd/fetchers/file"
	ftpfetch "github.com/batchd/batchd/fetchers/ftp"
	hdfsfetch "github.com/batchd/batchd/fetchers/hdfs"
	httpfetch "github.com/batchd/batchd/fetchers/http"
	"github.com/batchd/batchd/plugins/fetcher"
	"github.com/batchd/batchd/plugins/redact"
)

// TestFetchErrorsNameTheURIOnce stages URIs that fail to fetch through the
// built-in fetchers (and one fetcher that names nothing) and checks that
// the store's error names the URI exactly once, never its password, and
// keeps the fetcher's sentinel.
func TestFetchErrorsNameTheURIOnce(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/secret":
			http.Error(w, "no", http.StatusForbidden)
		default:
			http.NotFound(w, r)
		}
	}))
	defer srv.Close()
	dir := t.TempDir()
	httpCfg := httpfetch.DefaultConfig()
	httpCfg.Retries = 0
	ftpCfg := ftpfetch.DefaultConfig()
	ftpCfg.Retries = 0
	hdfsCfg := hdfsfetch.DefaultConfig()
	hdfsCfg.Retries = 0
	hostless := "http://u:sekrit@" + strings.TrimPrefix(srv.URL, "http://")
	bare := &fetcher.Fake{FetchFunc: func(context.Context, fetcher.Request, func(fetcher.Progress)) (fetcher.Result, error) {
		return fetcher.Result{}, fetcher.ErrUnavailable
	}}
	tests := []struct {
		name string
		f    fetcher.Fetcher
		uri  string
		want error
	}{
		{"file: missing path", filefetch.New(), filepath.Join(dir, "missing.txt"), fetcher.ErrNotFound},
		{"file: missing file URI", filefetch.New(), "file://" + filepath.Join(dir, "missing.txt"), fetcher.ErrNotFound},
		{"file: a directory", filefetch.New(), "file://" + dir, fetcher.ErrUnsupported},
		{"file: relative path", filefetch.New(), "rel/in.txt", fetcher.ErrUnsupported},
		{"file: remote host", filefetch.New(), "file://example.com/etc/passwd", fetcher.ErrUnsupported},
		{"http: 404 with a password", httpfetch.New(httpCfg), hostless + "/missing.txt", fetcher.ErrNotFound},
		{"http: 403", httpfetch.New(httpCfg), srv.URL + "/secret", fetcher.ErrPermission},
		{"http: refused", httpfetch.New(httpCfg), "http://127.0.0.1:1/x", fetcher.ErrUnavailable},
		{"http: no host", httpfetch.New(httpCfg), "http:///x", fetcher.ErrUnsupported},
		{"ftp: refused, with a password", ftpfetch.New(ftpCfg), "ftp://u:sekrit@127.0.0.1:1/x.txt", fetcher.ErrUnavailable},
		{"hdfs: refused", hdfsfetch.New(hdfsCfg), "hdfs://127.0.0.1:1/x.txt", fetcher.ErrUnavailable},
		{"archive plugin fetches nothing", archivefetch.New(archivefetch.Config{}), "http://u:sekrit@h/x.tar", fetcher.ErrUnsupported},
		{"a fetcher that names nothing", bare, "ftp://u:sekrit@h/y", fetcher.ErrUnavailable},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			store, err := staging.Open(t.TempDir(), staging.Options{})
			if err != nil {
				t.Fatal(err)
			}
			defer store.Close()
			_, err = store.StageSource(context.Background(), nil, fetchsrc.Of(tt.f, tt.uri))
			if !errors.Is(err, tt.want) {
				t.Fatalf("StageSource error = %v, want %v", err, tt.want)
			}
			msg, shown := err.Error(), redact.URI(tt.uri)
			t.Log(msg)
			if n := strings.Count(msg, shown); n != 1 {
				t.Errorf("error names %s %d times, want once:\n%s", shown, n, msg)
			}
			if strings.Contains(msg, "sekrit") {
				t.Errorf("error shows the password: %s", msg)
			}
		})
	}
}
