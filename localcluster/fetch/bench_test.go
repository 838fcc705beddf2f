package fetch

import (
	"context"
	"crypto/rand"
	"fmt"
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"
)

// benchSize is the size of the cached executable the benchmark stages,
// that of the sum plugin's binary; -short makes it tiny so `make test`
// can run the benchmark once without rot.
func benchSize() int {
	if testing.Short() {
		return 64 << 10
	}
	return 20 << 20
}

// BenchmarkStageCached stages one cached executable into 200 sandboxes
// per op: "link" is the sharing path, "copy" the path every task took
// before (and still takes across file systems), forced by refusing the
// link with EXDEV. The source is fetched into the cache before the timer
// starts; removing the sandboxes is not timed. It reports the bytes
// copied into sandboxes and the process's system CPU time per op.
// Compare the two with
//
//	go test -run '^$' -bench StageCached -benchtime 5x -count 3 ./localcluster/fetch
func BenchmarkStageCached(b *testing.B) {
	const sandboxes = 200
	src := filepath.Join(b.TempDir(), "task-program")
	body := make([]byte, benchSize())
	rand.Read(body)
	if err := os.WriteFile(src, body, 0o755); err != nil {
		b.Fatal(err)
	}
	for _, mode := range []string{"link", "copy"} {
		b.Run(mode, func(b *testing.B) {
			root := b.TempDir()
			f := New(Config{CacheDir: filepath.Join(root, "cache")})
			if mode == "copy" {
				f.cache.link = refuse(syscall.EXDEV)
			}
			uri := URI{Value: src, Executable: true, Cache: true, Scope: "fw"}
			if err := f.Fetch(context.Background(), uri, b.TempDir()); err != nil {
				b.Fatal(err)
			}
			before := f.Stats().CopiedBytes
			var sys time.Duration
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				b.StopTimer()
				dirs := make([]string, sandboxes)
				for j := range dirs {
					dirs[j] = filepath.Join(root, "sandboxes", fmt.Sprint(j))
					if err := os.MkdirAll(dirs[j], 0o755); err != nil {
						b.Fatal(err)
					}
				}
				b.StartTimer()
				s0 := sysTime(b)
				for _, d := range dirs {
					if err := f.Fetch(context.Background(), uri, d); err != nil {
						b.Fatal(err)
					}
				}
				sys += sysTime(b) - s0
				b.StopTimer()
				if err := os.RemoveAll(filepath.Join(root, "sandboxes")); err != nil {
					b.Fatal(err)
				}
				b.StartTimer()
			}
			b.ReportMetric(float64(f.Stats().CopiedBytes-before)/float64(b.N), "copied-B/op")
			b.ReportMetric(float64(sys.Milliseconds())/float64(b.N), "sys-ms/op")
		})
	}
}

// sysTime is the system CPU time this process has used so far.
func sysTime(b *testing.B) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		b.Fatal(err)
	}
	return time.Duration(ru.Stime.Nano())
}
