package fetchertest

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io/fs"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"

	"github.com/batchd/batchd/plugins/fetcher"
)

// Content returns n deterministic pseudo-random bytes and their SHA-256 in
// hex, as fetcher.Result.SHA256 reports it: test data for a server to serve.
func Content(n int) ([]byte, string) {
	r := rand.NewChaCha8([32]byte{'b', 'a', 't', 'c', 'h', 'd'})
	b := make([]byte, n)
	r.Read(b)
	sum := sha256.Sum256(b)
	return b, hex.EncodeToString(sum[:])
}

// Fetch fetches uri with f into a fresh file in a temporary folder of the
// test and returns the result, that file's path and Fetch's error.
func Fetch(t testing.TB, ctx context.Context, f fetcher.Fetcher, uri string, progress func(fetcher.Progress)) (fetcher.Result, string, error) {
	t.Helper()
	dest := filepath.Join(t.TempDir(), "out")
	res, err := f.Fetch(ctx, fetcher.Request{URI: uri, Dest: dest}, progress)
	return res, dest, err
}

// CheckFile reports an error unless the file dest holds bytes whose
// SHA-256, in hex, is want.
func CheckFile(t testing.TB, dest, want string) {
	t.Helper()
	got, err := os.ReadFile(dest)
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(got)
	if hex.EncodeToString(sum[:]) != want {
		t.Errorf("%s: content digest differs from the served content", dest)
	}
}

// CheckGone reports an error unless dest is gone, as a failed Fetch must
// leave it.
func CheckGone(t testing.TB, dest string) {
	t.Helper()
	if _, err := os.Stat(dest); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("partial %s left behind: %v", dest, err)
	}
}
