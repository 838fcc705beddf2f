package hdfsfetch

import (
	"context"
	"encoding/json"
	"io"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"testing"
	"time"

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

// TestThroughput1GiB compares the fetcher with `hdfs get` on a 1 GiB file
// from the same server in the same process, medians of three runs each.
// It is slow and needs 2 GiB of memory: set HDFS_THROUGHPUT=1 to run it.
func TestThroughput1GiB(t *testing.T) {
	if os.Getenv("HDFS_THROUGHPUT") == "" {
		t.Skip("set HDFS_THROUGHPUT=1 to measure")
	}
	size, _ := strconv.ParseInt(os.Getenv("HDFS_THROUGHPUT_BYTES"), 10, 64)
	if size <= 0 {
		size = 1 << 30
	}
	bin := hdfsCLI(t)
	c := hdfstest.Start(t, hdfstest.Options{BlockSize: 128 << 20})
	putRandom(t, c, "/gib", size)
	f := New(DefaultConfig())
	if err := f.Configure(context.Background(), json.RawMessage(userSettings(c))); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	dest := filepath.Join(dir, "out")
	median := func(name string, run func() error) float64 {
		var rates []float64
		for range 3 {
			os.Remove(dest)
			start := time.Now()
			if err := run(); err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			rates = append(rates, float64(size)/time.Since(start).Seconds()/(1<<20))
		}
		slices.Sort(rates)
		t.Logf("%s: %.0f MiB/s median of %.0f, %.0f, %.0f", name, rates[1], rates[0], rates[1], rates[2])
		return rates[1]
	}
	median("hdfs fetcher", func() error {
		_, err := f.Fetch(context.Background(), fetcher.Request{URI: "hdfs:///gib", Dest: dest}, nil)
		return err
	})
	median("hdfs get", func() error {
		cmd := exec.Command(bin, "get", "/gib", dest)
		cmd.Env = append(os.Environ(), "HADOOP_NAMENODE="+c.Addr(), "HADOOP_USER_NAME=tester", "HADOOP_CONF_DIR="+dir)
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Logf("%s", out)
		}
		return err
	})
}

// hdfsCLI finds the Debian gohdfs CLI; missing, the test is skipped
// locally and fails in CI.
func hdfsCLI(t *testing.T) string {
	t.Helper()
	bin, err := exec.LookPath("hdfs")
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("hdfs CLI not found (apt-get install hdfs-cli): %v", err)
		}
		t.Skipf("hdfs CLI not found (apt-get install hdfs-cli): %v", err)
	}
	return bin
}
