package staging

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// source is a fake fetcher that writes fixed bytes and counts its calls.
type source struct {
	data  []byte
	calls atomic.Int32
}

func (src *source) fetch(ctx context.Context, dest string) (int64, string, error) {
	src.calls.Add(1)
	if err := os.WriteFile(dest, src.data, 0o644); err != nil {
		return 0, "", err
	}
	return int64(len(src.data)), digestOf(src.data), nil
}

func digestOf(b []byte) string {
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

func openStore(t testing.TB, dir string) *Store {
	t.Helper()
	s, err := Open(dir, Options{})
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// dirEntries lists a folder's names.
func dirEntries(t *testing.T, dir string) []string {
	t.Helper()
	ents, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range ents {
		names = append(names, e.Name())
	}
	return names
}

// assertEmptyStore checks that no blob and no temp file was left behind.
func assertEmptyStore(t *testing.T, s *Store) {
	t.Helper()
	if n := dirEntries(t, s.blobs); len(n) != 0 {
		t.Errorf("blobs left in store: %v", n)
	}
	if n := dirEntries(t, s.tmp); len(n) != 0 {
		t.Errorf("temp files left in store: %v", n)
	}
}

func TestStageOnce(t *testing.T) {
	s := openStore(t, t.TempDir())
	src := &source{data: []byte("#!/bin/sh\necho hello\n")}
	ctx := context.Background()
	uri := "http://example.com/bin/run.sh?x=1"

	b, err := s.Stage(ctx, uri, "", src.fetch)
	if err != nil {
		t.Fatalf("Stage: %v", err)
	}
	want := Blob{Digest: digestOf(src.data), Size: int64(len(src.data)),
		Path: filepath.Join(s.Dir(), "blobs", "sha256", digestOf(src.data)), Name: "run.sh"}
	if b != want {
		t.Fatalf("Stage = %+v, want %+v", b, want)
	}
	got, err := os.ReadFile(b.Path)
	if err != nil || string(got) != string(src.data) {
		t.Fatalf("blob file = %q, %v; want %q", got, err, src.data)
	}
	again, err := s.Stage(ctx, uri, "sha256:"+b.Digest, src.fetch)
	if err != nil || again != b {
		t.Fatalf("second Stage = %+v, %v; want %+v", again, err, b)
	}
	if n := src.calls.Load(); n != 1 {
		t.Fatalf("fetch called %d times, want 1", n)
	}
	if n := dirEntries(t, s.tmp); len(n) != 0 {
		t.Errorf("temp files left: %v", n)
	}
}

func TestStageSameBytesTwoURIs(t *testing.T) {
	s := openStore(t, t.TempDir())
	src := &source{data: []byte("shared")}
	a, err := s.Stage(context.Background(), "file:///a/one.bin", "", src.fetch)
	if err != nil {
		t.Fatal(err)
	}
	b, err := s.Stage(context.Background(), "file:///b/two.bin", "", src.fetch)
	if err != nil {
		t.Fatal(err)
	}
	if a.Digest != b.Digest || a.Path != b.Path || a.Name != "one.bin" || b.Name != "two.bin" {
		t.Fatalf("blobs = %+v, %+v; want one file, two names", a, b)
	}
	if n := dirEntries(t, s.blobs); len(n) != 1 {
		t.Fatalf("blobs = %v, want one", n)
	}
}

// waitFor polls cond until it holds; it waits on a condition, not a duration.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(time.Millisecond)
	}
}

func (s *Store) waiters(uri string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	if f, ok := s.flights[redact(uri)]; ok {
		return f.waiters
	}
	return 0
}

func TestStageCoalesces(t *testing.T) {
	s := openStore(t, t.TempDir())
	const n = 50
	data := []byte("big artifact")
	release := make(chan struct{})
	var calls atomic.Int32
	fetch := func(ctx context.Context, dest string) (int64, string, error) {
		calls.Add(1)
		<-release
		return int64(len(data)), digestOf(data), os.WriteFile(dest, data, 0o644)
	}
	uri := "hdfs://nn/data/big.bin"
	var wg sync.WaitGroup
	blobs := make([]Blob, n)
	errs := make([]error, n)
	for i := range n {
		wg.Go(func() { blobs[i], errs[i] = s.Stage(context.Background(), uri, "", fetch) })
	}
	waitFor(t, "all callers to join the fetch", func() bool { return s.waiters(uri) == n })
	close(release)
	wg.Wait()
	if c := calls.Load(); c != 1 {
		t.Fatalf("fetch called %d times, want 1", c)
	}
	for i := range n {
		if errs[i] != nil || blobs[i] != blobs[0] || blobs[i].Digest != digestOf(data) {
			t.Fatalf("caller %d: %+v, %v; want %+v", i, blobs[i], errs[i], blobs[0])
		}
	}
}

func TestStageWaiterLeaves(t *testing.T) {
	s := openStore(t, t.TempDir())
	data := []byte("slow")
	release := make(chan struct{})
	fetchCtxErr := make(chan error, 1)
	fetch := func(ctx context.Context, dest string) (int64, string, error) {
		select {
		case <-release:
		case <-ctx.Done():
			fetchCtxErr <- ctx.Err()
			return 0, "", ctx.Err()
		}
		return int64(len(data)), digestOf(data), os.WriteFile(dest, data, 0o644)
	}
	uri := "ftp://h/slow.bin"

	// Two callers; the first gives up, the second still gets the result.
	leaverCtx, leave := context.WithCancel(context.Background())
	leaverErr := make(chan error, 1)
	go func() {
		_, err := s.Stage(leaverCtx, uri, "", fetch)
		leaverErr <- err
	}()
	stayerDone := make(chan error, 1)
	go func() {
		_, err := s.Stage(context.Background(), uri, "", fetch)
		stayerDone <- err
	}()
	waitFor(t, "two waiters", func() bool { return s.waiters(uri) == 2 })
	leave()
	if err := <-leaverErr; !errors.Is(err, context.Canceled) {
		t.Fatalf("leaving caller got %v, want context.Canceled", err)
	}
	close(release)
	if err := <-stayerDone; err != nil {
		t.Fatalf("remaining caller got %v, want the blob", err)
	}
	select {
	case err := <-fetchCtxErr:
		t.Fatalf("fetch was cancelled (%v) although a caller still waited", err)
	default:
	}

	// When every caller leaves, the fetch is cancelled and nothing is kept.
	uri2 := "ftp://h/abandoned.bin"
	ctx, cancel := context.WithCancel(context.Background())
	errc := make(chan error, 1)
	blocked := func(ctx context.Context, dest string) (int64, string, error) {
		<-ctx.Done()
		fetchCtxErr <- ctx.Err()
		return 0, "", ctx.Err()
	}
	go func() {
		_, err := s.Stage(ctx, uri2, "", blocked)
		errc <- err
	}()
	waitFor(t, "one waiter", func() bool { return s.waiters(uri2) == 1 })
	cancel()
	if err := <-errc; !errors.Is(err, context.Canceled) {
		t.Fatalf("Stage = %v, want context.Canceled", err)
	}
	if err := <-fetchCtxErr; !errors.Is(err, context.Canceled) {
		t.Fatalf("fetch ctx ended with %v, want context.Canceled", err)
	}
	s.Close() // waits for the abandoned fetch goroutine
	if n := dirEntries(t, s.tmp); len(n) != 0 {
		t.Errorf("abandoned fetch left temp files: %v", n)
	}
}

func TestStageChecksum(t *testing.T) {
	data := []byte("payload")
	good := digestOf(data)
	bad := digestOf([]byte("other"))
	tests := []struct {
		name     string
		checksum string
		wantErr  error
		fetches  int32
	}{
		{name: "empty", checksum: "", fetches: 1},
		{name: "match", checksum: "sha256:" + good, fetches: 1},
		{name: "match upper case", checksum: "SHA256:" + strings.ToUpper(good), fetches: 1},
		{name: "mismatch", checksum: "sha256:" + bad, wantErr: ErrChecksum, fetches: 1},
		{name: "no algorithm", checksum: good, wantErr: ErrBadChecksum},
		{name: "md5", checksum: "md5:0123456789abcdef0123456789abcdef", wantErr: ErrBadChecksum},
		{name: "short", checksum: "sha256:" + good[:63], wantErr: ErrBadChecksum},
		{name: "not hex", checksum: "sha256:" + strings.Repeat("z", 64), wantErr: ErrBadChecksum},
		{name: "empty digest", checksum: "sha256:", wantErr: ErrBadChecksum},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := openStore(t, t.TempDir())
			src := &source{data: data}
			uri := "https://user:hunter2@example.com/x/payload.txt"
			b, err := s.Stage(context.Background(), uri, tt.checksum, src.fetch)
			if n := src.calls.Load(); n != tt.fetches {
				t.Errorf("fetch called %d times, want %d", n, tt.fetches)
			}
			if strings.Contains(fmt.Sprint(err), "hunter2") {
				t.Errorf("error leaks the password: %v", err)
			}
			if tt.wantErr == nil {
				if err != nil || b.Digest != good {
					t.Fatalf("Stage = %+v, %v; want digest %s", b, err, good)
				}
				return
			}
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("Stage error = %v, want %v", err, tt.wantErr)
			}
			if tt.wantErr == ErrChecksum {
				for _, part := range []string{"example.com/x/payload.txt", "expected sha256:" + bad, "got sha256:" + good} {
					if !strings.Contains(err.Error(), part) {
						t.Errorf("error %q does not name %q", err, part)
					}
				}
			}
			assertEmptyStore(t, s)
		})
	}
}

func TestStageChecksumAgainstStagedURI(t *testing.T) {
	s := openStore(t, t.TempDir())
	src := &source{data: []byte("v1")}
	if _, err := s.Stage(context.Background(), "file:///f", "", src.fetch); err != nil {
		t.Fatal(err)
	}
	_, err := s.Stage(context.Background(), "file:///f", "sha256:"+digestOf([]byte("v2")), src.fetch)
	if !errors.Is(err, ErrChecksum) {
		t.Fatalf("Stage = %v, want ErrChecksum", err)
	}
}

func TestStageLyingFetcher(t *testing.T) {
	tests := []struct {
		name   string
		size   func(n int64) int64
		digest func(d string) string
	}{
		{name: "wrong digest", size: func(n int64) int64 { return n }, digest: func(string) string { return digestOf([]byte("lie")) }},
		{name: "wrong size", size: func(n int64) int64 { return n + 1 }, digest: func(d string) string { return d }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := openStore(t, t.TempDir())
			data := []byte("actual bytes")
			fetch := func(ctx context.Context, dest string) (int64, string, error) {
				return tt.size(int64(len(data))), tt.digest(digestOf(data)), os.WriteFile(dest, data, 0o644)
			}
			_, err := s.Stage(context.Background(), "http://h/a", "", fetch)
			if !errors.Is(err, ErrCorrupt) {
				t.Fatalf("Stage = %v, want ErrCorrupt", err)
			}
			assertEmptyStore(t, s)
		})
	}
}

func TestStageFetchError(t *testing.T) {
	s := openStore(t, t.TempDir())
	boom := errors.New("connection reset")
	fetch := func(ctx context.Context, dest string) (int64, string, error) {
		os.WriteFile(dest, []byte("partial"), 0o644)
		return 0, "", boom
	}
	_, err := s.Stage(context.Background(), "http://h/a", "", fetch)
	if !errors.Is(err, boom) || !strings.Contains(err.Error(), "http://h/a") {
		t.Fatalf("Stage = %v, want %v naming the URI", err, boom)
	}
	assertEmptyStore(t, s)

	// A failure is not remembered: the next call fetches again.
	src := &source{data: []byte("ok")}
	if _, err := s.Stage(context.Background(), "http://h/a", "", src.fetch); err != nil || src.calls.Load() != 1 {
		t.Fatalf("retry: %v, %d fetches", err, src.calls.Load())
	}
}

func TestStageFetcherPanics(t *testing.T) {
	s := openStore(t, t.TempDir())
	_, err := s.Stage(context.Background(), "http://h/p", "", func(context.Context, string) (int64, string, error) {
		panic("bad plugin")
	})
	if err == nil || !strings.Contains(err.Error(), "bad plugin") {
		t.Fatalf("Stage = %v, want the panic as an error", err)
	}
	assertEmptyStore(t, s)
}

func TestRestartReusesIndex(t *testing.T) {
	dir := t.TempDir()
	s, err := Open(dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	src := &source{data: []byte("persisted")}
	uri := "https://u:secret@h/p/tool"
	first, err := s.Stage(context.Background(), uri, "", src.fetch)
	if err != nil {
		t.Fatal(err)
	}
	gone, err := s.Stage(context.Background(), "http://h/gone", "", (&source{data: []byte("gone")}).fetch)
	if err != nil {
		t.Fatal(err)
	}
	s.Close()
	if idx, _ := os.ReadFile(filepath.Join(dir, "index.json")); strings.Contains(string(idx), "secret") {
		t.Fatalf("index.json holds a password:\n%s", idx)
	}
	os.Chmod(gone.Path, 0o644)
	if err := os.Remove(gone.Path); err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(dir, "tmp", "fetch-leftover"), []byte("junk"), 0o644)

	s2 := openStore(t, dir)
	never := func(context.Context, string) (int64, string, error) {
		t.Error("fetch called for a URI staged before the restart")
		return 0, "", errors.New("no")
	}
	b, err := s2.Stage(context.Background(), uri, "sha256:"+first.Digest, never)
	if err != nil || b != first {
		t.Fatalf("after restart Stage = %+v, %v; want %+v", b, err, first)
	}
	refetch := &source{data: []byte("gone")}
	if _, err := s2.Stage(context.Background(), "http://h/gone", "", refetch.fetch); err != nil || refetch.calls.Load() != 1 {
		t.Fatalf("blob removed behind the store's back: %v, %d fetches; want one refetch", err, refetch.calls.Load())
	}
	if n := dirEntries(t, s2.tmp); len(n) != 0 {
		t.Errorf("leftover temp files not cleared: %v", n)
	}
}

func TestStageAfterClose(t *testing.T) {
	s := openStore(t, t.TempDir())
	s.Close()
	_, err := s.Stage(context.Background(), "http://h/a", "", (&source{}).fetch)
	if !errors.Is(err, ErrClosed) {
		t.Fatalf("Stage after Close = %v, want ErrClosed", err)
	}
}

func TestBaseName(t *testing.T) {
	tests := []struct{ uri, want string }{
		{"http://h/a/b/tool.tar.gz", "tool.tar.gz"},
		{"http://h/a/b/tool.tar.gz?sig=1#frag", "tool.tar.gz"},
		{"file:///srv/data/in.csv", "in.csv"},
		{"/srv/data/in.csv", "in.csv"},
		{"hdfs://nn:8020/user/x/part%20one.txt", "part one.txt"},
		{"http://h/", "artifact"},
		{"http://h", "artifact"},
		{"http://h/a/..", "artifact"},
		{"", "artifact"},
	}
	for _, tt := range tests {
		t.Run(tt.uri, func(t *testing.T) {
			if got := baseName(tt.uri); got != tt.want {
				t.Errorf("baseName(%q) = %q, want %q", tt.uri, got, tt.want)
			}
		})
	}
}
