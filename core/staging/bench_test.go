package staging

import (
	"context"
	"testing"
)

// BenchmarkStage measures the hot path: a URI already staged, asked for by
// many tasks at once.
func BenchmarkStage(b *testing.B) {
	s := openStore(b, b.TempDir())
	src := &source{data: []byte("artifact used by every task")}
	uri := "http://origin/dist/tool.tar.gz"
	if _, err := s.Stage(context.Background(), uri, "", src.fetch); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if _, err := s.Stage(context.Background(), uri, "", src.fetch); err != nil {
				b.Error(err)
				return
			}
		}
	})
	if n := src.calls.Load(); n != 1 {
		b.Fatalf("fetch called %d times, want 1", n)
	}
}
