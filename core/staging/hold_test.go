package staging

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"os"
	"sync"
	"testing"
)

// gatedWriter is a ResponseWriter whose first body write goes through and
// whose later writes wait until the gate opens: a download stalled mid-body.
type gatedWriter struct {
	*httptest.ResponseRecorder
	first chan struct{} // closed after the first write
	gate  chan struct{} // closed by the test to let the rest through
	once  sync.Once
	n     int
}

func (w *gatedWriter) Write(p []byte) (int, error) {
	if w.n > 0 {
		<-w.gate
	}
	w.n++
	n, err := w.ResponseRecorder.Write(p)
	w.once.Do(func() { close(w.first) })
	return n, err
}

func TestServedBlobSurvivesEviction(t *testing.T) {
	big := bytes.Repeat([]byte("0123456789abcdef"), 64<<10) // 1 MiB, many writes
	s := openBounded(t, t.TempDir(), int64(len(big))+5)
	a, err := s.Stage(context.Background(), "http://h/big.bin", "", (&source{data: big}).fetch)
	if err != nil {
		t.Fatal(err)
	}

	req := httptest.NewRequest("GET", s.URLPath("j", a), nil)
	req.Header.Set("Range", "bytes=100-")
	w := &gatedWriter{ResponseRecorder: httptest.NewRecorder(), first: make(chan struct{}), gate: make(chan struct{})}
	served := make(chan struct{})
	go func() {
		defer close(served)
		s.Handler().ServeHTTP(w, req)
	}()
	<-w.first

	// Mid-download, a blob that needs the big one's room cannot have it.
	c := &counter{}
	if _, err := stageName(t, s, nil, c, "b"); !errors.Is(err, ErrFull) {
		t.Fatalf("staging while the big blob is served = %v, want ErrFull", err)
	}
	if _, err := os.Stat(a.Path); err != nil {
		t.Fatalf("served blob removed mid-download: %v", err)
	}
	close(w.gate)
	<-served
	if w.Code != http.StatusPartialContent || !bytes.Equal(w.Body.Bytes(), big[100:]) {
		t.Fatalf("download = %d with %d bytes, want 206 with the %d bytes after offset 100",
			w.Code, w.Body.Len(), len(big)-100)
	}

	// Once the download is done, the big blob is evicted for the new one.
	if n := s.holdsOf(a.Digest); n != 0 {
		t.Fatalf("%d holds left after the download", n)
	}
	if _, err := stageName(t, s, nil, c, "b"); err != nil {
		t.Fatalf("staging after the download: %v", err)
	}
	rec := httptest.NewRecorder()
	s.Handler().ServeHTTP(rec, httptest.NewRequest("GET", s.URLPath("j", a), nil))
	if rec.Code != http.StatusNotFound {
		t.Fatalf("evicted blob served with %d, want 404", rec.Code)
	}
}

// TestEvictConcurrent stages, holds, serves and releases from many
// goroutines against a tight bound (run it with -race). A held blob must
// always be on disk with its bytes, and the bound must always hold.
func TestEvictConcurrent(t *testing.T) {
	const (
		workers = 8
		rounds  = 40
		perJob  = 2
		size    = 1 << 10
		uris    = 40
	)
	// Room for every blob the jobs can hold at once (each holds perJob plus
	// one more for a moment), but not for every URI: evictions happen.
	max := int64(workers * (perJob + 1) * size)
	s := openBounded(t, t.TempDir(), max)
	srv := httptest.NewServer(s.Handler())
	defer srv.Close()
	data := make([][]byte, uris)
	for i := range data {
		data[i] = bytes.Repeat([]byte{byte('A' + i)}, size)
	}

	c := &counter{}
	var wg sync.WaitGroup
	errs := make(chan error, workers)
	for w := range workers {
		wg.Go(func() {
			rng := rand.New(rand.NewPCG(uint64(w), 1))
			for range rounds {
				if err := job(s, srv.URL, rng, c, data, perJob); err != nil {
					errs <- err
					return
				}
				if used, _ := s.Usage(); used > max {
					errs <- fmt.Errorf("%d bytes stored, over the %d-byte bound", used, max)
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}

	var onDisk int64
	for _, name := range dirEntries(t, s.blobs) {
		fi, err := os.Stat(s.blobPath(name))
		if err != nil {
			t.Fatal(err)
		}
		onDisk += fi.Size()
		if n := s.holdsOf(name); n != 0 {
			t.Errorf("blob %s still has %d holds", name, n)
		}
	}
	if used, _ := s.Usage(); used != onDisk || used > max {
		t.Errorf("accounted %d bytes, %d on disk, bound %d", used, onDisk, max)
	}
	if n := c.n.Load(); n <= uris {
		t.Errorf("%d fetches of %d URIs: nothing was evicted and fetched again", n, uris)
	}
}

// job is one job of TestEvictConcurrent: lease, stage, check, serve, release.
func job(s *Store, base string, rng *rand.Rand, c *counter, data [][]byte, n int) error {
	l := s.Lease()
	defer l.Release()
	var blobs []Blob
	for range n {
		i := rng.IntN(len(data))
		b, err := s.StageFor(context.Background(), l, fmt.Sprintf("http://h/%d", i), "", c.fetchOf(data[i]))
		if err != nil {
			return err
		}
		blobs = append(blobs, b)
		// Another job may be finishing: release holds concurrently.
		if rng.IntN(4) == 0 {
			j := rng.IntN(len(data))
			other := s.Lease()
			_, err := s.StageFor(context.Background(), other, fmt.Sprintf("http://h/%d", j), "", c.fetchOf(data[j]))
			other.Release()
			if err != nil {
				return err
			}
		}
	}
	for _, b := range blobs {
		got, err := os.ReadFile(b.Path)
		if err != nil {
			return fmt.Errorf("held blob %s: %w", b.Digest, err)
		}
		if digestOf(got) != b.Digest {
			return fmt.Errorf("held blob %s changed", b.Digest)
		}
		req, _ := http.NewRequest("GET", base+s.URLPath("j", b), nil)
		req.Header.Set("Range", "bytes=10-19")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			return err
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusPartialContent || !bytes.Equal(body, got[10:20]) {
			return fmt.Errorf("serving held blob %s: %d %q", b.Digest, resp.StatusCode, body)
		}
	}
	return nil
}
