package ftpfetch

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"testing"
	"time"

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

// TestCompareCurl measures a 1 GiB fetch from the real server three times
// with the fetcher and three times with curl -o /dev/null, and logs the
// medians. It runs only with BATCHD_FTP_COMPARE=1 (it moves 6 GiB).
func TestCompareCurl(t *testing.T) {
	if os.Getenv("BATCHD_FTP_COMPARE") == "" {
		t.Skip("set BATCHD_FTP_COMPARE=1 to compare with curl")
	}
	curl, err := exec.LookPath("curl")
	if err != nil {
		t.Skip("no curl")
	}
	for _, rs := range realServers {
		t.Run(rs.name, func(t *testing.T) { compareCurl(t, curl, rs.start) })
	}
}

func compareCurl(t *testing.T, curl string, start func(testing.TB, ftptest.Options) *ftptest.Server) {
	const size = 1 << 30
	srv := start(t, ftptest.Options{})
	writeBig(t, srv, "1g.bin", size)
	uri := withUser(srv, "ftp", "1g.bin", srv.User, srv.Password)
	dest := filepath.Join(t.TempDir(), "out")
	f := New(DefaultConfig())
	var ours, theirs, theirsDisk []time.Duration
	for range 3 {
		start := time.Now()
		if _, err := f.Fetch(context.Background(), fetcher.Request{URI: uri, Dest: dest}, nil); err != nil {
			t.Fatal(err)
		}
		ours = append(ours, time.Since(start))
		os.Remove(dest)
		start = time.Now()
		if out, err := exec.Command(curl, "-sS", "-o", "/dev/null", uri).CombinedOutput(); err != nil {
			t.Fatalf("curl: %v: %s", err, out)
		}
		theirs = append(theirs, time.Since(start))
		// curl to a file too, for a like-for-like view of the disk's share.
		start = time.Now()
		if out, err := exec.Command(curl, "-sS", "-o", dest, uri).CombinedOutput(); err != nil {
			t.Fatalf("curl: %v: %s", err, out)
		}
		theirsDisk = append(theirsDisk, time.Since(start))
		os.Remove(dest)
	}
	mib := func(d time.Duration) string {
		return fmt.Sprintf("%.0f MiB/s (%s)", float64(size>>20)/d.Seconds(), d.Round(time.Millisecond))
	}
	slices.Sort(ours)
	slices.Sort(theirs)
	slices.Sort(theirsDisk)
	t.Logf("1 GiB over ftp, median of 3: fetcher %s (to disk, SHA-256, fsync); curl -o /dev/null %s; curl -o file %s (no fsync)",
		mib(ours[1]), mib(theirs[1]), mib(theirsDisk[1]))
	t.Logf("fetcher runs %v; curl /dev/null runs %v; curl file runs %v", ours, theirs, theirsDisk)
}
