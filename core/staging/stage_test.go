package staging

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/batchd/batchd/plugins/redact"
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
	if f, ok := s.flights[redact.URI(uri)]; ok {
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

func TestStageAfterClose(t *testing.T) {
	s := openStore(t, t.TempDir())
	s.Close()
	_, err := s.Stage(context.Background(), "http://h/a", "", (&source{}).fetch)
	if !errors.Is(err, ErrClosed) {
		t.Fatalf("Stage after Close = %v, want ErrClosed", err)
	}
}
