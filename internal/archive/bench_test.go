package archive

import (
	"archive/tar"
	"bufio"
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/klauspost/compress/gzip"
)

// benchTarGz writes a tar.gz of about 200 MB to dir: 240 files of 1 MiB,
// two thirds random bytes, one third text, in 12 folders.
func benchTarGz(b *testing.B, dir string) (path string, size int64) {
	b.Helper()
	path = filepath.Join(dir, "bench.tar.gz")
	f, err := os.Create(path)
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	bw := bufio.NewWriterSize(f, 1<<20)
	zw := gzip.NewWriter(bw)
	tw := tar.NewWriter(zw)
	rng := rand.New(rand.NewPCG(1, 2))
	body := make([]byte, 1<<20)
	for i := range 240 {
		if i%3 == 2 {
			for j := 0; j < len(body); {
				j += copy(body[j:], fmt.Sprintf("line %d of file %d: %x\n", j, i, rng.Uint32()))
			}
		} else {
			for j := range body {
				body[j] = byte(rng.Uint32())
			}
		}
		name := fmt.Sprintf("d%02d/f%03d.bin", i%12, i)
		if err := tw.WriteHeader(&tar.Header{Name: name, Mode: 0o644, Size: int64(len(body)), Typeflag: tar.TypeReg}); err != nil {
			b.Fatal(err)
		}
		if _, err := tw.Write(body); err != nil {
			b.Fatal(err)
		}
	}
	for _, c := range []interface{ Close() error }{tw, zw} {
		if err := c.Close(); err != nil {
			b.Fatal(err)
		}
	}
	if err := bw.Flush(); err != nil {
		b.Fatal(err)
	}
	fi, err := f.Stat()
	if err != nil {
		b.Fatal(err)
	}
	return path, fi.Size()
}

// BenchmarkExtractVsTarCLI extracts the same ~200 MB tar.gz with Extract
// and with `tar -xzf`, and reports both times and their ratio
// (archive-s/op ÷ tar-s/op; below 1 means Extract is faster), and the time
// Check takes to validate it.
func BenchmarkExtractVsTarCLI(b *testing.B) {
	if _, err := exec.LookPath("tar"); err != nil {
		b.Skip("no tar command")
	}
	src, size := benchTarGz(b, b.TempDir())
	b.SetBytes(size)
	var ours, theirs, check time.Duration
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		dst := filepath.Join(b.TempDir(), "ours")
		if err := os.Mkdir(dst, 0o755); err != nil {
			b.Fatal(err)
		}
		start := time.Now()
		if _, err := Extract(context.Background(), src, dst, Limits{}); err != nil {
			b.Fatal(err)
		}
		ours += time.Since(start)

		start = time.Now()
		if _, err := Check(context.Background(), src, Limits{}); err != nil {
			b.Fatal(err)
		}
		check += time.Since(start)

		dst = filepath.Join(b.TempDir(), "tar")
		if err := os.Mkdir(dst, 0o755); err != nil {
			b.Fatal(err)
		}
		start = time.Now()
		if out, err := exec.Command("tar", "-xzf", src, "-C", dst).CombinedOutput(); err != nil {
			b.Fatalf("tar: %v: %s", err, out)
		}
		theirs += time.Since(start)
	}
	b.ReportMetric(ours.Seconds()/float64(b.N), "archive-s/op")
	b.ReportMetric(theirs.Seconds()/float64(b.N), "tar-s/op")
	b.ReportMetric(check.Seconds()/float64(b.N), "check-s/op")
	b.ReportMetric(ours.Seconds()/theirs.Seconds(), "ratio")
}
