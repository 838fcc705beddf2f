package sdk

import (
	"crypto/sha256"
	"io"
	"os"
	"path/filepath"
	"testing"

	"github.com/batchd/batchd/plugins/fetcher"
)

// BenchmarkDest writes 256 MiB from memory in 256 KiB reads, as a fetcher
// does: "dest" through a Dest (hashing on its own goroutine), "inline" the
// way the fetchers did before it (file and hash written in turn on one
// goroutine, then fsync). Compare their MB/s from the same run.
func BenchmarkDest(b *testing.B) {
	const size = 256 << 20
	data := randomBytes(1<<20, 9)
	src := func() io.Reader { return io.LimitReader(repeatReader(data), size) }
	p := filepath.Join(b.TempDir(), "dest")
	b.Run("dest", func(b *testing.B) {
		b.SetBytes(size)
		for b.Loop() {
			d, err := OpenDest(fetcher.Request{Dest: p}, nil)
			if err != nil {
				b.Fatal(err)
			}
			if _, err := io.CopyBuffer(onlyWriter{d}, src(), make([]byte, 256<<10)); err != nil {
				b.Fatal(err)
			}
			if _, err := d.Commit(); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("inline", func(b *testing.B) {
		b.SetBytes(size)
		for b.Loop() {
			f, err := os.Create(p)
			if err != nil {
				b.Fatal(err)
			}
			h := sha256.New()
			if _, err := io.CopyBuffer(io.MultiWriter(f, h), src(), make([]byte, 256<<10)); err != nil {
				b.Fatal(err)
			}
			h.Sum(nil)
			if err := f.Sync(); err != nil {
				b.Fatal(err)
			}
			f.Close()
		}
	})
}

// repeatReader reads data over and over.
type repeatReader []byte

func (r repeatReader) Read(p []byte) (int, error) {
	n := 0
	for n < len(p) {
		n += copy(p[n:], r)
	}
	return n, nil
}

// onlyWriter hides Dest's ReadFrom, so the copy goes through Write with a
// fetcher's buffer size.
type onlyWriter struct{ w io.Writer }

func (o onlyWriter) Write(p []byte) (int, error) { return o.w.Write(p) }
