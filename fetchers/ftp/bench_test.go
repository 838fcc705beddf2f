package ftpfetch

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/batchd/batchd/internal/ftptest"
	"github.com/batchd/batchd/plugins/fetcher"
	"github.com/batchd/batchd/plugins/fetcher/fetchertest"
)

// writeBig writes size bytes (a repeated 1 MiB pseudo-random chunk) as name
// under the server's root without holding them all in memory.
func writeBig(tb testing.TB, srv *ftptest.Server, name string, size int64) {
	tb.Helper()
	chunk, _ := fetchertest.Content(1 << 20)
	out, err := os.Create(filepath.Join(srv.Root, name))
	if err != nil {
		tb.Fatal(err)
	}
	defer out.Close()
	for n := int64(0); n < size; n += int64(len(chunk)) {
		if _, err := out.Write(chunk[:min(int64(len(chunk)), size-n)]); err != nil {
			tb.Fatal(err)
		}
	}
}

// BenchmarkFetch downloads 256 MiB per iteration from each real server,
// over plain ftp, to disk with SHA-256 and fsync.
func BenchmarkFetch(b *testing.B) {
	const size = 256 << 20
	for _, rs := range realServers {
		b.Run(rs.name, func(b *testing.B) {
			srv := rs.start(b, ftptest.Options{})
			writeBig(b, srv, "big.bin", size)
			f := New(DefaultConfig())
			dest := filepath.Join(b.TempDir(), "out")
			uri := withUser(srv, "ftp", "big.bin", srv.User, srv.Password)
			b.SetBytes(size)
			for b.Loop() {
				res, err := f.Fetch(context.Background(), fetcher.Request{URI: uri, Dest: dest}, nil)
				if err != nil {
					b.Fatal(err)
				}
				if res.Size != size {
					b.Fatalf("size = %d, want %d", res.Size, size)
				}
			}
		})
	}
}
