package httpfetch

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"os"
	"slices"
	"sync/atomic"
	"testing"
	"time"

	"github.com/batchd/batchd/plugins/fetcher"
	"github.com/batchd/batchd/plugins/fetcher/fetchertest"
)

// rangeServer serves data with Range support (http.ServeContent, with
// Last-Modified modified unless it is zero), or, when ignoreRanges, always
// the whole of it with 200, noting each request.
func rangeServer(t *testing.T, data []byte, ignoreRanges bool, modified time.Time) (string, *recorder) {
	var rec recorder
	srv, _ := serve(t, func(w http.ResponseWriter, r *http.Request) {
		rec.note(r)
		if ignoreRanges {
			w.Header().Set("Content-Length", fmt.Sprint(len(data)))
			w.Write(data)
			return
		}
		http.ServeContent(w, r, "blob", modified, bytes.NewReader(data))
	})
	return srv.URL + "/blob", &rec
}

func TestFetchResumesFromOffset(t *testing.T) {
	data, want := fetchertest.Content(1<<20 + 5)
	n := len(data)
	junk := bytes.Repeat([]byte{'x'}, 10)
	tests := []struct {
		name         string
		prefix       []byte
		ignoreRanges bool
		modified     time.Time // Last-Modified; zero: none
		wantRanges   []string
	}{
		{"half", data[:n/2], false, time.Time{}, []string{fmt.Sprintf("bytes=%d-", n/2)}},
		{"one byte", data[:1], false, time.Time{}, []string{"bytes=1-"}},
		{"all but one byte", data[:n-1], false, time.Time{}, []string{fmt.Sprintf("bytes=%d-", n-1)}},
		{"whole object already there", data, false, time.Time{}, []string{fmt.Sprintf("bytes=%d-", n)}},
		{"server ignores ranges", data[:n/2], true, time.Time{}, []string{fmt.Sprintf("bytes=%d-", n/2)}},
		{"prefix longer than the object", append(slices.Clip(data), junk...), false, time.Time{}, []string{fmt.Sprintf("bytes=%d-", n+len(junk)), ""}},
		{"source older than the prefix", data[:n/2], false, time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC), []string{fmt.Sprintf("bytes=%d-", n/2)}},
		{"source modified after the prefix", data[:n/2], false, time.Now().Add(time.Hour), []string{fmt.Sprintf("bytes=%d-", n/2), ""}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			uri, rec := rangeServer(t, data, tt.ignoreRanges, tt.modified)
			res, dest, err := fetchertest.Resume(t, context.Background(), New(testConfig()), uri, tt.prefix)
			if err != nil {
				t.Fatalf("Fetch: %v", err)
			}
			fetchertest.CheckResult(t, res, int64(n), want)
			fetchertest.CheckFile(t, dest, want)
			if ranges, _, _ := rec.seen(); !slices.Equal(ranges, tt.wantRanges) {
				t.Errorf("Range headers seen = %q, want %q", ranges, tt.wantRanges)
			}
		})
	}
}

// A wrong prefix cannot be told from a right one: the fetcher appends to
// it and reports, truthfully, the digest of what is on disk. The caller's
// verification (core/staging's checksum) catches it; see TestStagingResume.
func TestFetchResumeTrustsThePrefix(t *testing.T) {
	data, want := fetchertest.Content(4096)
	uri, _ := rangeServer(t, data, false, time.Time{})
	wrong := bytes.Repeat([]byte{0}, 1000)
	res, dest, err := fetchertest.Resume(t, context.Background(), New(testConfig()), uri, wrong)
	if err != nil {
		t.Fatalf("Fetch: %v", err)
	}
	got, err := os.ReadFile(dest)
	if err != nil {
		t.Fatal(err)
	}
	if res.SHA256 == want || !bytes.Equal(got, append(wrong, data[1000:]...)) {
		t.Errorf("result %+v: want the wrong prefix followed by the rest of the object", res)
	}
	fetchertest.CheckFile(t, dest, res.SHA256)
}

// A Dest shorter than Offset holds nothing to resume: the fetch starts over.
func TestFetchResumeShortDest(t *testing.T) {
	data, want := fetchertest.Content(4096)
	uri, rec := rangeServer(t, data, false, time.Time{})
	dest := t.TempDir() + "/partial"
	if err := os.WriteFile(dest, data[:100], 0o644); err != nil {
		t.Fatal(err)
	}
	res, err := New(testConfig()).Fetch(context.Background(), fetcher.Request{URI: uri, Dest: dest, Offset: 200}, nil)
	if err != nil {
		t.Fatalf("Fetch: %v", err)
	}
	fetchertest.CheckResult(t, res, int64(len(data)), want)
	if ranges, _, _ := rec.seen(); !slices.Equal(ranges, []string{""}) {
		t.Errorf("Range headers seen = %q, want one plain GET", ranges)
	}
}

// KeepPartial leaves what an interrupted fetch wrote, and a second fetch
// resumes it; without KeepPartial a failed fetch removes Dest.
func TestFetchKeepPartial(t *testing.T) {
	data, want := fetchertest.Content(64 << 10)
	var cut atomic.Bool
	cut.Store(true)
	var rec recorder
	srv, _ := serve(t, func(w http.ResponseWriter, r *http.Request) {
		rec.note(r)
		if cut.Load() {
			w.Header().Set("Content-Length", fmt.Sprint(len(data)))
			w.Write(data[:len(data)/4])
			return // short body: the client sees an unexpected EOF
		}
		http.ServeContent(w, r, "blob", time.Time{}, bytes.NewReader(data))
	})
	cfg := testConfig()
	cfg.Retries = 0
	f := New(cfg)
	for _, keep := range []bool{false, true} {
		dest := t.TempDir() + "/partial"
		_, err := f.Fetch(context.Background(), fetcher.Request{URI: srv.URL, Dest: dest, KeepPartial: keep}, nil)
		if err == nil {
			t.Fatal("Fetch of a cut body succeeded")
		}
		if !keep {
			fetchertest.CheckGone(t, dest)
			continue
		}
		got, err := os.ReadFile(dest)
		if err != nil || !bytes.Equal(got, data[:len(data)/4]) {
			t.Fatalf("kept %d bytes (%v), want the %d bytes received", len(got), err, len(data)/4)
		}
		cut.Store(false)
		res, err := f.Fetch(context.Background(), fetcher.Request{URI: srv.URL, Dest: dest, Offset: int64(len(got))}, nil)
		if err != nil {
			t.Fatalf("resuming: %v", err)
		}
		fetchertest.CheckResult(t, res, int64(len(data)), want)
		fetchertest.CheckFile(t, dest, want)
	}
	if ranges, _, _ := rec.seen(); ranges[len(ranges)-1] != fmt.Sprintf("bytes=%d-", len(data)/4) {
		t.Errorf("Range headers seen = %q", ranges)
	}
}
