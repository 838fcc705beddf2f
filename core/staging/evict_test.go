package staging

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"os"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
)

// bytesOf is the content of test blob name: size bytes, distinct per name.
func bytesOf(name string, size int) []byte {
	return []byte(strings.Repeat(name[:1], size))
}

// counter counts the fetches of one test.
type counter struct{ n atomic.Int32 }

// fetchOf returns a FetchToFunc writing data.
func (c *counter) fetchOf(data []byte) FetchToFunc {
	return func(ctx context.Context, t Target) (int64, string, error) {
		c.n.Add(1)
		t.Progress(0, int64(len(data)))
		if err := os.WriteFile(t.Dest, data, 0o644); err != nil {
			return 0, "", err
		}
		t.Progress(int64(len(data)), int64(len(data)))
		return int64(len(data)), digestOf(data), nil
	}
}

func openBounded(t testing.TB, dir string, max int64) *Store {
	t.Helper()
	s, err := Open(dir, Options{MaxBytes: max})
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// stageName stages "http://h/<name>" holding 10 bytes, with lease l (or none).
func stageName(t testing.TB, s *Store, l *Lease, c *counter, name string) (Blob, error) {
	t.Helper()
	return s.StageFor(context.Background(), l, "http://h/"+name, "", c.fetchOf(bytesOf(name, 10)))
}

// present lists which of names are staged (in the index with their file on disk).
func present(t *testing.T, s *Store, names ...string) []string {
	t.Helper()
	var out []string
	for _, n := range names {
		s.mu.Lock()
		ent, ok := s.index["http://h/"+n]
		s.mu.Unlock()
		_, err := os.Stat(s.blobPath(digestOf(bytesOf(n, 10))))
		if ok != (err == nil) {
			t.Errorf("%s: in index %v, but file stat: %v", n, ok, err)
		}
		if ok && ent.Digest == digestOf(bytesOf(n, 10)) {
			out = append(out, n)
		}
	}
	return out
}

func mustStage(t *testing.T, s *Store, l *Lease, c *counter, names ...string) {
	t.Helper()
	for _, n := range names {
		if _, err := stageName(t, s, l, c, n); err != nil {
			t.Fatalf("staging %s: %v", n, err)
		}
	}
}

func TestEvictLRU(t *testing.T) {
	all := []string{"a", "b", "c", "d", "e"}
	tests := []struct {
		name  string
		steps func(t *testing.T, s *Store, c *counter)
		want  []string
	}{
		{name: "oldest goes first", want: []string{"b", "c", "d"},
			steps: func(t *testing.T, s *Store, c *counter) { mustStage(t, s, nil, c, "a", "b", "c", "d") }},
		{name: "a stage hit refreshes", want: []string{"a", "c", "d"},
			steps: func(t *testing.T, s *Store, c *counter) { mustStage(t, s, nil, c, "a", "b", "c", "a", "d") }},
		{name: "two evictions in order", want: []string{"b", "d", "e"},
			steps: func(t *testing.T, s *Store, c *counter) { mustStage(t, s, nil, c, "a", "b", "c", "b", "d", "e") }},
		{name: "a lease holds", want: []string{"a", "d", "e"},
			steps: func(t *testing.T, s *Store, c *counter) {
				l := s.Lease()
				mustStage(t, s, l, c, "a")
				mustStage(t, s, nil, c, "b", "c", "d", "e")
			}},
		{name: "a released lease no longer holds", want: []string{"c", "d", "e"},
			steps: func(t *testing.T, s *Store, c *counter) {
				l := s.Lease()
				mustStage(t, s, l, c, "a")
				mustStage(t, s, nil, c, "b", "c", "d")
				l.Release()
				mustStage(t, s, nil, c, "e")
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := openBounded(t, t.TempDir(), 30)
			c := &counter{}
			tt.steps(t, s, c)
			if got := present(t, s, all...); !slices.Equal(got, tt.want) {
				t.Errorf("staged = %v, want %v", got, tt.want)
			}
			if used, _ := s.Usage(); used != 30 || len(dirEntries(t, s.blobs)) != 3 {
				t.Errorf("used %d bytes in %v, want 30 in 3 blobs", used, dirEntries(t, s.blobs))
			}
		})
	}
}

func TestEvictedURIRefetched(t *testing.T) {
	s := openBounded(t, t.TempDir(), 20)
	c := &counter{}
	mustStage(t, s, nil, c, "a", "b", "c", "a")
	if n := c.n.Load(); n != 4 {
		t.Fatalf("%d fetches, want 4 (a again after its eviction)", n)
	}
	if got := present(t, s, "a", "b", "c"); !slices.Equal(got, []string{"a", "c"}) {
		t.Fatalf("staged = %v, want [a c]", got)
	}
}

func TestErrFull(t *testing.T) {
	tests := []struct {
		name     string
		max      int64
		held     []string // staged with a lease first
		fetch    FetchToFunc
		wantText []string
	}{
		{name: "everything held", max: 20, held: []string{"a", "b"},
			fetch:    (&counter{}).fetchOf(bytesOf("c", 10)),
			wantText: []string{"10-byte blob", "20-byte bound", "20 bytes stored", "20 of them held"}},
		{name: "larger than the bound", max: 5,
			fetch:    (&counter{}).fetchOf(bytesOf("c", 10)),
			wantText: []string{"10 bytes, more than the 5-byte bound"}},
		{name: "announced size too large", max: 20,
			fetch: func(ctx context.Context, t Target) (int64, string, error) {
				t.Progress(0, 1<<30)
				<-ctx.Done() // the store cancels at once
				return 0, "", ctx.Err()
			},
			wantText: []string{"1073741824 bytes, more than the 20-byte bound"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := openBounded(t, t.TempDir(), tt.max)
			mustStage(t, s, s.Lease(), &counter{}, tt.held...)
			_, err := s.StageFor(context.Background(), s.Lease(), "http://h/c", "", tt.fetch)
			if !errors.Is(err, ErrFull) {
				t.Fatalf("Stage = %v, want ErrFull", err)
			}
			for _, part := range append(tt.wantText, "http://h/c") {
				if !strings.Contains(err.Error(), part) {
					t.Errorf("error %q does not say %q", err, part)
				}
			}
			if got := present(t, s, "a", "b", "c"); !slices.Equal(got, tt.held) {
				t.Errorf("staged = %v, want %v", got, tt.held)
			}
			if n := dirEntries(t, s.tmp); len(n) != 0 {
				t.Errorf("temp files left: %v", n)
			}
		})
	}
}

func TestRestartKeepsLRU(t *testing.T) {
	dir := t.TempDir()
	c := &counter{}
	s1, err := Open(dir, Options{MaxBytes: 30})
	if err != nil {
		t.Fatal(err)
	}
	mustStage(t, s1, nil, c, "a", "b", "c", "a")
	if err := s1.Close(); err != nil {
		t.Fatal(err)
	}
	// Modification times say b, c, a are older in another order; the
	// index's use times must win.
	s2 := openBounded(t, dir, 30)
	mustStage(t, s2, nil, c, "d")
	if got := present(t, s2, "a", "b", "c", "d"); !slices.Equal(got, []string{"a", "c", "d"}) {
		t.Fatalf("after restart staged = %v, want [a c d] (b least recently used)", got)
	}
	mustStage(t, s2, nil, c, "a") // a is now the most recent
	s2.Close()

	// Reopening with a smaller bound evicts down to it in LRU order.
	s3 := openBounded(t, dir, 10)
	if got := present(t, s3, "a", "b", "c", "d"); !slices.Equal(got, []string{"a"}) {
		t.Fatalf("reopened with a 10-byte bound: staged = %v, want [a]", got)
	}
	if used, _ := s3.Usage(); used != 10 {
		t.Fatalf("used = %d, want 10", used)
	}
	a, b := sha256.Sum256(bytesOf("a", 10)), sha256.Sum256(bytesOf("b", 10))
	if n, ok := s3.Size(hex.EncodeToString(a[:])); n != 10 || !ok {
		t.Errorf("Size(a) = %d, %v; want 10, true", n, ok)
	}
	if n, ok := s3.Size(hex.EncodeToString(b[:])); ok {
		t.Errorf("Size(evicted b) = %d, true; want false", n)
	}
}

func TestLease(t *testing.T) {
	s := openBounded(t, t.TempDir(), 0)
	c := &counter{}
	l := s.Lease()
	b, err := stageName(t, s, l, c, "a")
	if err != nil || !l.Holds(b.Digest) {
		t.Fatalf("StageFor = %v, holds %v; want held", err, l.Holds(b.Digest))
	}
	if _, err := stageName(t, s, l, c, "a"); err != nil || s.holdsOf(b.Digest) != 1 {
		t.Fatalf("second StageFor: %v, %d holds; want one hold per lease", err, s.holdsOf(b.Digest))
	}
	bad := "sha256:" + digestOf([]byte("other"))
	if _, err := s.StageFor(context.Background(), s.Lease(), "http://h/b", bad, c.fetchOf(bytesOf("b", 10))); !errors.Is(err, ErrChecksum) {
		t.Fatalf("bad checksum: %v", err)
	}
	// A staged copy with another digest is fetched again; the mismatch is
	// the fresh bytes'.
	other := s.Lease()
	before := c.n.Load()
	if _, err := s.StageFor(context.Background(), other, "http://h/a", bad, c.fetchOf(bytesOf("a", 10))); !errors.Is(err, ErrChecksum) || other.Holds(b.Digest) || c.n.Load() != before+1 {
		t.Fatalf("bad checksum on a hit: %v, held %v, %d fetches; want ErrChecksum after one fetch, holding nothing", err, other.Holds(b.Digest), c.n.Load()-before)
	}
	l.Release()
	l.Release()
	if l.Holds(b.Digest) || s.holdsOf(b.Digest) != 0 {
		t.Fatalf("after Release: holds %v, count %d", l.Holds(b.Digest), s.holdsOf(b.Digest))
	}
	if _, err := stageName(t, s, l, c, "a"); !errors.Is(err, ErrReleased) {
		t.Fatalf("StageFor with a released lease = %v, want ErrReleased", err)
	}
	foreign := openBounded(t, t.TempDir(), 0).Lease()
	if _, err := stageName(t, s, foreign, c, "a"); !errors.Is(err, ErrReleased) {
		t.Fatalf("StageFor with another store's lease = %v, want ErrReleased", err)
	}
}

func TestOpenRejectsNegativeBound(t *testing.T) {
	if _, err := Open(t.TempDir(), Options{MaxBytes: -1}); err == nil || !strings.Contains(err.Error(), "-1") {
		t.Fatalf("Open = %v, want an error naming the bound", err)
	}
}

// holdsOf is the hold count of a stored blob, -1 when it is not stored.
func (s *Store) holdsOf(digest string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	if st, ok := s.stored[digest]; ok {
		return st.holds
	}
	return -1
}

func TestLeasesShareAFetch(t *testing.T) {
	s := openBounded(t, t.TempDir(), 100)
	data := bytesOf("a", 10)
	release := make(chan struct{})
	fetch := func(ctx context.Context, t Target) (int64, string, error) {
		<-release
		return 10, "", os.WriteFile(t.Dest, data, 0o644)
	}
	uri := "http://h/a"
	leases := []*Lease{s.Lease(), s.Lease(), s.Lease(), s.Lease()}
	bad := "sha256:" + digestOf([]byte("other"))
	checksums := []string{"", "sha256:" + digestOf(data), bad, ""}
	errs := make([]error, len(leases))
	done := make(chan int)
	for i, l := range leases {
		go func() {
			_, errs[i] = s.StageFor(context.Background(), l, uri, checksums[i], fetch)
			done <- i
		}()
		// The first caller starts the fetch, so its checksum decides what is kept.
		waitFor(t, "the caller to join", func() bool { return s.waiters(uri) == i+1 })
	}
	leases[3].Release() // its job ended while the fetch ran
	close(release)
	for range leases {
		<-done
	}
	wantErr := []error{nil, nil, ErrChecksum, ErrReleased}
	for i, l := range leases {
		if !errors.Is(errs[i], wantErr[i]) || (errs[i] == nil) != l.Holds(digestOf(data)) {
			t.Errorf("lease %d: %v, holds %v; want %v, holding only without error", i, errs[i], l.Holds(digestOf(data)), wantErr[i])
		}
	}
	if n := s.holdsOf(digestOf(data)); n != 2 {
		t.Fatalf("%d holds, want 2", n)
	}
	leases[0].Release()
	leases[1].Release()
	if n := s.holdsOf(digestOf(data)); n != 0 {
		t.Fatalf("%d holds after every lease is released, want 0", n)
	}
}
