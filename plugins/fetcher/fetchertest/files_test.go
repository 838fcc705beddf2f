package fetchertest

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/batchd/batchd/plugins/fetcher"
)

func TestContent(t *testing.T) {
	a, sumA := Content(1000)
	b, sumB := Content(1000)
	if len(a) != 1000 || !bytes.Equal(a, b) || sumA != sumB {
		t.Fatal("Content is not deterministic")
	}
	if bytes.Equal(a, make([]byte, 1000)) {
		t.Fatal("Content returned zeros")
	}
	dir := t.TempDir()
	p := filepath.Join(dir, "f")
	if err := os.WriteFile(p, a, 0o644); err != nil {
		t.Fatal(err)
	}
	CheckFile(t, p, sumA)
	CheckGone(t, filepath.Join(dir, "absent"))
}

func TestFetch(t *testing.T) {
	data, sum := Content(4096)
	fake := &fetcher.Fake{FetchFunc: func(ctx context.Context, req fetcher.Request, progress func(fetcher.Progress)) (fetcher.Result, error) {
		if req.URI != "fake://x/f" {
			return fetcher.Result{}, fetcher.ErrNotFound
		}
		if err := os.WriteFile(req.Dest, data, 0o644); err != nil {
			return fetcher.Result{}, err
		}
		progress(fetcher.Progress{Bytes: int64(len(data)), Total: int64(len(data))})
		return fetcher.Result{Size: int64(len(data)), SHA256: sum}, nil
	}}
	var last fetcher.Progress
	res, dest, err := Fetch(t, context.Background(), fake, "fake://x/f", func(p fetcher.Progress) { last = p })
	if err != nil {
		t.Fatal(err)
	}
	if res.SHA256 != sum || last.Bytes != int64(len(data)) {
		t.Errorf("result %+v, progress %+v", res, last)
	}
	CheckFile(t, dest, sum)
	_, dest, err = Fetch(t, context.Background(), fake, "fake://x/missing", nil)
	if !errors.Is(err, fetcher.ErrNotFound) {
		t.Errorf("error = %v, want ErrNotFound", err)
	}
	CheckGone(t, dest)
}
