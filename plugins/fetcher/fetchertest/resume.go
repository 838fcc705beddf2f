package fetchertest

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/batchd/batchd/plugins/fetcher"
)

// Resume writes prefix to a fresh file in a temporary folder of the test,
// as an interrupted fetch would have left it, and asks f to fetch uri into
// it from Offset len(prefix). It returns the result, the file's path and
// Fetch's error.
func Resume(t testing.TB, ctx context.Context, f fetcher.Fetcher, uri string, prefix []byte) (fetcher.Result, string, error) {
	t.Helper()
	dest := filepath.Join(t.TempDir(), "partial")
	if err := os.WriteFile(dest, prefix, 0o644); err != nil {
		t.Fatal(err)
	}
	res, err := f.Fetch(ctx, fetcher.Request{URI: uri, Dest: dest, Offset: int64(len(prefix))}, nil)
	return res, dest, err
}

// CheckResult reports an error unless res names size bytes with SHA-256 want.
func CheckResult(t testing.TB, res fetcher.Result, size int64, want string) {
	t.Helper()
	if res.Size != size || res.SHA256 != want {
		t.Errorf("result = %d bytes sha256:%s, want %d bytes sha256:%s", res.Size, res.SHA256, size, want)
	}
}
