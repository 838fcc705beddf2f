package httpfetch

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"sync/atomic"
	"testing"
	"time"

	"github.com/batchd/batchd/core/staging"
	"github.com/batchd/batchd/core/staging/fetchsrc"
	"github.com/batchd/batchd/plugins/fetcher"
	"github.com/batchd/batchd/plugins/fetcher/fetchertest"
)

// TestStagingResume runs the fetcher under core/staging as batchd does,
// over the plugin gRPC shims: an
// interrupted fetch leaves a partial file, the next one resumes it with a
// Range request, and a wrong prefix is caught by the checksum, after which
// the fetch starts over and succeeds.
func TestStagingResume(t *testing.T) {
	data, want := fetchertest.Content(256 << 10)
	bad := slices.Clone(data)
	copy(bad, bytes.Repeat([]byte{0}, 1000)) // what a changed source served first
	const (
		cutGood = iota // serve the right bytes, cut after a quarter
		cutBad         // serve wrong bytes, cut after a quarter
		whole          // serve the right bytes with Range support
	)
	var mode atomic.Int32
	var rec recorder
	srv, _ := serve(t, func(w http.ResponseWriter, r *http.Request) {
		rec.note(r)
		switch mode.Load() {
		case cutGood, cutBad:
			src := data
			if mode.Load() == cutBad {
				src = bad
			}
			w.Header().Set("Content-Length", fmt.Sprint(len(src)))
			w.Write(src[:len(src)/4])
		default:
			http.ServeContent(w, r, "blob", time.Time{}, bytes.NewReader(data))
		}
	})
	cfg := testConfig()
	cfg.Retries = 0
	f := fetchertest.Conn(t, New(cfg)) // through the gRPC shims, as batchd runs it
	// One store per path: a store holding /a's bytes would hand them to
	// /b at once, as its checksum pins them.
	stores := map[string]*staging.Store{}
	stage := func(path string) (staging.Blob, error) {
		store := stores[path]
		if store == nil {
			var err error
			if store, err = staging.Open(t.TempDir(), staging.Options{}); err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { store.Close() })
			stores[path] = store
		}
		src := fetchsrc.Of(f, srv.URL+path)
		src.Checksum = "sha256:" + want
		return store.StageSource(context.Background(), nil, src)
	}
	quarter := fmt.Sprintf("bytes=%d-", len(data)/4)
	steps := []struct {
		name      string
		path      string
		mode      int32
		wantErr   error // nil: success
		wantRange string
	}{
		{"interrupted", "/a", cutGood, fetcher.ErrUnavailable, ""},
		{"resumed", "/a", whole, nil, quarter},
		{"interrupted with wrong bytes", "/b", cutBad, fetcher.ErrUnavailable, ""},
		{"resumed onto the wrong prefix", "/b", whole, staging.ErrChecksum, quarter},
		{"started over", "/b", whole, nil, ""},
	}
	for _, st := range steps {
		mode.Store(st.mode)
		b, err := stage(st.path)
		if st.wantErr != nil && !errors.Is(err, st.wantErr) || st.wantErr == nil && (err != nil || b.Digest != want) {
			t.Fatalf("%s: blob %+v, error %v; want error %v", st.name, b, err, st.wantErr)
		}
		if ranges, _, _ := rec.seen(); ranges[len(ranges)-1] != st.wantRange {
			t.Errorf("%s: Range = %q, want %q", st.name, ranges[len(ranges)-1], st.wantRange)
		}
	}
}
