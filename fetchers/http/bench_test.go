package httpfetch

import (
	"context"
	"fmt"
	"net/http"
	"path/filepath"
	"testing"

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
