package httpfetch

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/batchd/batchd/plugins/fetcher"
	"github.com/batchd/batchd/plugins/fetcher/fetchertest"
)

// BenchmarkFetch downloads 256 MiB from a local server per iteration.
func BenchmarkFetch(b *testing.B) {
	const size = 256 << 20
	chunk, _ := fetchertest.Content(1 << 20)
	srv, _ := serve(b, func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Length", fmt.Sprint(size))
		for range size / len(chunk) {
			if _, err := w.Write(chunk); err != nil {
				return
			}
		}
	})
	f := New(DefaultConfig())
	dest := filepath.Join(b.TempDir(), "out")
	b.SetBytes(size)
	for b.Loop() {
		res, err := f.Fetch(context.Background(), fetcher.Request{URI: srv.URL + "/big", Dest: dest}, nil)
		if err != nil {
			b.Fatal(err)
		}
		if res.Size != size {
			b.Fatalf("size = %d, want %d", res.Size, size)
		}
	}
}

// BenchmarkResume downloads 64 MiB with nothing, and with the first half,
// already on disk (written anew each iteration, in both cases alike): a
// resume hashes the prefix and fetches only the rest.
func BenchmarkResume(b *testing.B) {
	const size = 64 << 20
	data, _ := fetchertest.Content(size)
	srv, _ := serve(b, func(w http.ResponseWriter, r *http.Request) {
		http.ServeContent(w, r, "big", time.Time{}, bytes.NewReader(data))
	})
	f := New(DefaultConfig())
	for _, off := range []int64{0, size / 2} {
		b.Run(fmt.Sprintf("offset=%d", off), func(b *testing.B) {
			dest := filepath.Join(b.TempDir(), "out")
			b.SetBytes(size)
			for b.Loop() {
				if err := os.WriteFile(dest, data[:size/2], 0o644); err != nil {
					b.Fatal(err)
				}
				res, err := f.Fetch(context.Background(), fetcher.Request{URI: srv.URL + "/big", Dest: dest, Offset: off}, nil)
				if err != nil || res.Size != size {
					b.Fatalf("size %d, error %v", res.Size, err)
				}
			}
		})
	}
}
