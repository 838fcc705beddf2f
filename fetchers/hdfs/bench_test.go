package hdfsfetch

import (
	"context"
	"encoding/json"
	"io"
	"math/rand/v2"
	"path/filepath"
	"testing"

	"github.com/batchd/batchd/internal/hdfstest"
	"github.com/batchd/batchd/plugins/fetcher"
)

// putRandom stores size pseudo-random bytes at p without holding a second
// copy in memory.
func putRandom(tb testing.TB, c *hdfstest.Cluster, p string, size int64) {
	tb.Helper()
	r := rand.New(rand.NewPCG(1, 2))
	src := io.LimitReader(readerFunc(func(b []byte) (int, error) {
		for i := 0; i+8 <= len(b); i += 8 {
			v := r.Uint64()
			for j := range 8 {
				b[i+j] = byte(v >> (8 * j))
			}
		}
		return len(b) &^ 7, nil
	}), size)
	if err := c.PutReader(p, src, 0o644); err != nil {
		tb.Fatal(err)
	}
}

type readerFunc func([]byte) (int, error)

func (f readerFunc) Read(b []byte) (int, error) { return f(b) }

// BenchmarkFetch fetches a 256 MiB file (64 MiB blocks, two replicas) from
// the in-process cluster.
func BenchmarkFetch(b *testing.B) {
	const size = 256 << 20
	c := hdfstest.Start(b, hdfstest.Options{BlockSize: 64 << 20})
	putRandom(b, c, "/bench", size)
	f := New(DefaultConfig())
	if err := f.Configure(context.Background(), json.RawMessage(userSettings(c))); err != nil {
		b.Fatal(err)
	}
	dest := filepath.Join(b.TempDir(), "out")
	b.SetBytes(size)
	b.ResetTimer()
	for b.Loop() {
		res, err := f.Fetch(context.Background(), fetcher.Request{URI: "hdfs:///bench", Dest: dest}, nil)
		if err != nil || res.Size != size {
			b.Fatalf("Fetch = %+v, %v", res, err)
		}
	}
}
