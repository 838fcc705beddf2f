package httpfetch

import (
	"bytes"
	"context"
	"errors"
	"net/http"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/batchd/batchd/core/staging/fetchsrc"
	"github.com/batchd/batchd/core/staging/stagingtest"
	"github.com/batchd/batchd/plugins/fetcher"
	"github.com/batchd/batchd/plugins/fetcher/fetchertest"
)

// origin is a test server for one object whose bytes, ETag, modification
// time and Cache-Control the test changes; it answers conditional requests
// as net/http does and counts what it is asked.
type origin struct {
	mu           sync.Mutex
	data         []byte
	etag         string
	modified     time.Time
	cacheControl string
	noHead       bool

	gets, heads, notModified atomic.Int32
	conditions               []string
}

func (o *origin) set(data, etag string, modified time.Time) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.data, o.etag, o.modified = []byte(data), etag, modified
}

func (o *origin) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	o.mu.Lock()
	data, etag, modified, cc, noHead := o.data, o.etag, o.modified, o.cacheControl, o.noHead
	o.conditions = append(o.conditions, r.Method+" "+r.Header.Get("If-None-Match")+r.Header.Get("If-Modified-Since"))
	o.mu.Unlock()
	if r.Method == http.MethodHead && noHead {
		http.Error(w, "no HEAD here", http.StatusMethodNotAllowed)
		return
	}
	if etag != "" {
		w.Header().Set("ETag", etag)
	}
	if cc != "" {
		w.Header().Set("Cache-Control", cc)
	}
	rec := &statusRecorder{ResponseWriter: w}
	http.ServeContent(rec, r, "in.txt", modified, bytes.NewReader(data))
	switch {
	case rec.status == http.StatusNotModified:
		o.notModified.Add(1)
	case r.Method == http.MethodHead:
		o.heads.Add(1)
	default:
		o.gets.Add(1)
	}
}

type statusRecorder struct {
	http.ResponseWriter
	status int
}

func (s *statusRecorder) WriteHeader(code int) {
	s.status = code
	s.ResponseWriter.WriteHeader(code)
}

func TestStat(t *testing.T) {
	hourAgo := time.Now().Add(-time.Hour).Truncate(time.Second)
	tests := []struct {
		name        string
		etag        string
		noHead      bool
		change      func(o *origin)
		wantChanged bool
		wantNone    bool // Stat cannot say
		wantCond    string
	}{
		{name: "etag, unchanged", etag: `"a"`, change: func(*origin) {}, wantCond: `HEAD "a"`},
		{name: "etag, changed", etag: `"a"`, change: func(o *origin) { o.set("2 2", `"b"`, hourAgo) }, wantChanged: true, wantCond: `HEAD "a"`},
		{name: "last-modified, unchanged", change: func(*origin) {}, wantCond: "HEAD " + hourAgo.UTC().Format(http.TimeFormat)},
		{name: "last-modified, changed", change: func(o *origin) { o.set("2 2", "", hourAgo.Add(time.Minute)) }, wantChanged: true},
		{name: "last-modified, now too recent", change: func(o *origin) { o.set("2 2", "", time.Now()) }, wantNone: true},
		{name: "no-store now", etag: `"a"`, change: func(o *origin) { o.cacheControl = "no-store" }, wantNone: true},
		{name: "HEAD refused: conditional GET", etag: `"a"`, noHead: true, change: func(*origin) {}, wantCond: `GET "a"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o := &origin{noHead: tt.noHead}
			o.set("1 1", tt.etag, hourAgo)
			srv, _ := serve(t, o.ServeHTTP)
			f := fetchertest.Conn(t, New(testConfig()))
			uri := srv.URL + "/in.txt"
			res, err := f.Fetch(context.Background(), fetcher.Request{URI: uri, Dest: filepath.Join(t.TempDir(), "d")}, nil)
			if err != nil || res.Validator == "" {
				t.Fatalf("Fetch = %+v, %v; want a validator", res, err)
			}
			tt.change(o)
			o.conditions = nil
			st, err := f.(fetcher.Stater).Stat(context.Background(), fetcher.StatRequest{URI: uri, Validator: res.Validator})
			if err != nil {
				t.Fatal(err)
			}
			switch {
			case tt.wantNone && st.Validator != "":
				t.Errorf("Stat = %q, want none", st.Validator)
			case !tt.wantNone && (st.Validator == "" || (st.Validator != res.Validator) != tt.wantChanged):
				t.Errorf("Stat = %q after Fetch's %q: want changed = %v", st.Validator, res.Validator, tt.wantChanged)
			}
			if tt.wantCond != "" && (len(o.conditions) == 0 || o.conditions[len(o.conditions)-1] != tt.wantCond) {
				t.Errorf("server saw %q, want the last request %q", o.conditions, tt.wantCond)
			}
			if o.gets.Load() != 1 {
				t.Errorf("%d full GETs, want only the Fetch's", o.gets.Load())
			}
		})
	}
}

func TestStatErrors(t *testing.T) {
	srv, _ := serve(t, func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/gone":
			http.NotFound(w, r)
		case "/secret":
			http.Error(w, "no", http.StatusForbidden)
		default:
			http.Error(w, "busy", http.StatusServiceUnavailable)
		}
	})
	s := fetchertest.Stater(t, New(testConfig()))
	tests := []struct {
		uri  string
		want error
	}{
		{srv.URL + "/gone", fetcher.ErrNotFound},
		{srv.URL + "/secret", fetcher.ErrPermission},
		{srv.URL + "/busy", fetcher.ErrUnavailable},
		{"http://127.0.0.1:1/refused", fetcher.ErrUnavailable},
		{"ftp://h/x", fetcher.ErrUnsupported},
	}
	for _, tt := range tests {
		t.Run(tt.uri, func(t *testing.T) {
			_, err := s.Stat(context.Background(), fetcher.StatRequest{URI: tt.uri})
			if !errors.Is(err, tt.want) {
				t.Errorf("Stat = %v, want %v", err, tt.want)
			}
		})
	}
}

// TestStagingRevalidates runs two batchd runs' worth of staging (a store
// opened twice in one folder) over the gRPC shims and counts what the
// server sends: a source with validators is downloaded once while it is
// unchanged and again when it changes; one without is downloaded every run.
func TestStagingRevalidates(t *testing.T) {
	hourAgo := time.Now().Add(-time.Hour)
	tests := []struct {
		name      string
		etag      string
		modified  time.Time
		change    bool
		wantGets  int32
		wantBytes string
	}{
		{name: "etag, unchanged", etag: `"v1"`, modified: hourAgo, wantGets: 1, wantBytes: "1 2 3"},
		{name: "etag, changed", etag: `"v1"`, modified: hourAgo, change: true, wantGets: 2, wantBytes: "10 20 30"},
		{name: "last-modified, unchanged", modified: hourAgo, wantGets: 1, wantBytes: "1 2 3"},
		{name: "last-modified, changed", modified: hourAgo, change: true, wantGets: 2, wantBytes: "10 20 30"},
		{name: "no validators, unchanged", wantGets: 2, wantBytes: "1 2 3"},
		{name: "no validators, changed", change: true, wantGets: 2, wantBytes: "10 20 30"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o := &origin{}
			o.set("1 2 3", tt.etag, tt.modified)
			srv, _ := serve(t, o.ServeHTTP)
			f := fetchertest.Conn(t, New(testConfig()))
			dir := t.TempDir()
			var got []byte
			for run := 0; run < 2; run++ {
				if run == 1 && tt.change {
					etag := ""
					if tt.etag != "" {
						etag = `"v2"`
					}
					o.set("10 20 30", etag, tt.modified.Add(time.Minute))
				}
				b := stagingtest.Run(t, dir, fetchsrc.Of(f, srv.URL+"/in.txt"))
				var err error
				if got, err = os.ReadFile(b.Path); err != nil {
					t.Fatal(err)
				}
			}
			if string(got) != tt.wantBytes || o.gets.Load() != tt.wantGets {
				t.Errorf("second run staged %q after %d downloads; want %q after %d", got, o.gets.Load(), tt.wantBytes, tt.wantGets)
			}
		})
	}
}
