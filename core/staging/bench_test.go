package staging

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
)

// BenchmarkStageHit measures the hot path: a URI already staged, asked for
// by many tasks at once, without and with a lease holding it.
func BenchmarkStageHit(b *testing.B) {
	for _, withLease := range []bool{false, true} {
		b.Run(fmt.Sprintf("lease=%v", withLease), func(b *testing.B) {
			s := openBounded(b, b.TempDir(), 1<<30)
			src := &source{data: []byte("artifact used by every task")}
			uri := "http://origin/dist/tool.tar.gz"
			if _, err := s.Stage(context.Background(), uri, "", src.fetch); err != nil {
				b.Fatal(err)
			}
			to := func(ctx context.Context, t Target) (int64, string, error) { return src.fetch(ctx, t.Dest) }
			b.ReportAllocs()
			b.RunParallel(func(pb *testing.PB) {
				l := s.Lease()
				defer l.Release()
				for pb.Next() {
					var err error
					if withLease {
						_, err = s.StageFor(context.Background(), l, uri, "", to)
					} else {
						_, err = s.Stage(context.Background(), uri, "", src.fetch)
					}
					if err != nil {
						b.Error(err)
						return
					}
				}
			})
			if n := src.calls.Load(); n != 1 {
				b.Fatalf("fetch called %d times, want 1", n)
			}
		})
	}
}

// BenchmarkServeRange measures Range requests against a real server on
// loopback, as Mesos agents resuming a download make them.
func BenchmarkServeRange(b *testing.B) {
	s := openStore(b, b.TempDir())
	data := bytes.Repeat([]byte("0123456789abcdef"), 1<<20) // 16 MiB
	blob, err := s.Stage(context.Background(), "http://origin/big.bin", "", (&source{data: data}).fetch)
	if err != nil {
		b.Fatal(err)
	}
	srv := httptest.NewServer(s.Handler())
	defer srv.Close()
	url := srv.URL + s.URLPath("j", blob)
	for _, n := range []int{4 << 10, 1 << 20} {
		b.Run(fmt.Sprintf("%dKiB", n>>10), func(b *testing.B) {
			b.SetBytes(int64(n))
			b.ReportAllocs()
			b.RunParallel(func(pb *testing.PB) {
				buf := make([]byte, n)
				off := 0
				for pb.Next() {
					off = (off + 7919*n) % (len(data) - n)
					req, _ := http.NewRequest("GET", url, nil)
					req.Header.Set("Range", fmt.Sprintf("bytes=%d-%d", off, off+n-1))
					resp, err := http.DefaultClient.Do(req)
					if err != nil {
						b.Error(err)
						return
					}
					_, err = io.ReadFull(resp.Body, buf)
					resp.Body.Close()
					if err != nil || resp.StatusCode != http.StatusPartialContent {
						b.Errorf("range %d: %d, %v", off, resp.StatusCode, err)
						return
					}
				}
			})
		})
	}
}
