package ftpfetch

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
	"time"

	"github.com/batchd/batchd/plugins/fetcher"
)

// testConfig retries quickly so fault-injection tests stay fast.
func testConfig() Config {
	return Config{
		Timeout:        5 * time.Second,
		Retries:        3,
		Backoff:        time.Millisecond,
		MaxBackoff:     5 * time.Millisecond,
		MaxConnections: 4,
	}
}

// content returns n deterministic pseudo-random bytes and their digest.
func content(n int) ([]byte, string) {
	r := rand.NewChaCha8([32]byte{7, 1, 2})
	b := make([]byte, n)
	r.Read(b)
	sum := sha256.Sum256(b)
	return b, hex.EncodeToString(sum[:])
}

// fetchTo fetches uri into a fresh temp file and returns the result, the
// error and the destination path.
func fetchTo(t *testing.T, ctx context.Context, f fetcher.Fetcher, uri string, progress func(fetcher.Progress)) (fetcher.Result, error, string) {
	t.Helper()
	dest := filepath.Join(t.TempDir(), "out")
	res, err := f.Fetch(ctx, fetcher.Request{URI: uri, Dest: dest}, progress)
	return res, err, dest
}

// checkFile asserts dest holds bytes with digest want.
func checkFile(t *testing.T, dest, want string) {
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

// checkGone asserts dest was removed after a failed fetch.
func checkGone(t *testing.T, dest string) {
	t.Helper()
	if _, err := os.Stat(dest); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("partial %s left behind: %v", dest, err)
	}
}

// configure calls Configure with a JSON object built from m.
func configure(t *testing.T, f *Fetcher, settings string) {
	t.Helper()
	if err := f.Configure(context.Background(), []byte(settings)); err != nil {
		t.Fatalf("Configure(%s): %v", settings, err)
	}
}
