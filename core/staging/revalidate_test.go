package staging

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
)

// versioned is a fake source whose bytes and validator the test changes,
// counting fetches and stats.
type versioned struct {
	mu        sync.Mutex
	data      []byte
	validator string
	statErr   error

	fetches, stats atomic.Int32
}

func (v *versioned) set(data, validator string) {
	v.mu.Lock()
	defer v.mu.Unlock()
	v.data, v.validator = []byte(data), validator
}

func (v *versioned) fetch(ctx context.Context, t Target) (Fetched, error) {
	v.fetches.Add(1)
	v.mu.Lock()
	data, validator := v.data, v.validator
	v.mu.Unlock()
	if err := os.WriteFile(t.Dest, data, 0o644); err != nil {
		return Fetched{}, err
	}
	return Fetched{Size: int64(len(data)), SHA256: digestOf(data), Validator: validator}, nil
}

func (v *versioned) stat(ctx context.Context, validator string) (string, error) {
	v.stats.Add(1)
	v.mu.Lock()
	defer v.mu.Unlock()
	return v.validator, v.statErr
}

func (v *versioned) source(uri string) Source {
	return Source{URI: uri, Fetch: v.fetch, Stat: v.stat}
}

// stageRun opens the store in dir (one batchd run), stages src and closes it.
func stageRun(t *testing.T, dir string, src Source) (Blob, error) {
	t.Helper()
	s, err := Open(dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	return s.StageSource(context.Background(), s.Lease(), src)
}

func TestRevalidateAcrossRuns(t *testing.T) {
	tests := []struct {
		name      string
		second    func(v *versioned, src *Source) // between the runs
		wantData  string
		wantFetch int32 // fetches in the second run
		wantStat  int32
	}{
		{name: "unchanged", second: func(v *versioned, _ *Source) {}, wantData: "v1", wantFetch: 0, wantStat: 1},
		{name: "changed", second: func(v *versioned, _ *Source) { v.set("v2", "tag2") }, wantData: "v2", wantFetch: 1, wantStat: 1},
		{name: "changed bytes, same validator is trusted", second: func(v *versioned, _ *Source) { v.mu.Lock(); v.data = []byte("v2"); v.mu.Unlock() }, wantData: "v1", wantFetch: 0, wantStat: 1},
		{name: "source cannot say now", second: func(v *versioned, _ *Source) { v.set("v2", "") }, wantData: "v2", wantFetch: 1, wantStat: 1},
		{name: "stat fails", second: func(v *versioned, _ *Source) { v.statErr = errors.New("boom"); v.set("v2", "tag1") }, wantData: "v2", wantFetch: 1, wantStat: 1},
		{name: "no Stat", second: func(v *versioned, src *Source) { src.Stat = nil; v.set("v2", "tag1") }, wantData: "v2", wantFetch: 1, wantStat: 0},
		{name: "immutable", second: func(v *versioned, src *Source) { src.Immutable = true; v.set("v2", "tag2") }, wantData: "v1", wantFetch: 0, wantStat: 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			v := &versioned{}
			v.set("v1", "tag1")
			src := v.source("http://h/input.txt")
			if _, err := stageRun(t, dir, src); err != nil {
				t.Fatal(err)
			}
			v.fetches.Store(0)
			v.stats.Store(0)
			tt.second(v, &src)
			b, err := stageRun(t, dir, src)
			if err != nil {
				t.Fatal(err)
			}
			if got, _ := os.ReadFile(b.Path); string(got) != tt.wantData {
				t.Errorf("second run staged %q, want %q", got, tt.wantData)
			}
			if v.fetches.Load() != tt.wantFetch || v.stats.Load() != tt.wantStat {
				t.Errorf("second run: %d fetches, %d stats; want %d, %d", v.fetches.Load(), v.stats.Load(), tt.wantFetch, tt.wantStat)
			}
		})
	}
}

// A source without validators is fetched again on every run.
func TestNoValidatorFetchesEachRun(t *testing.T) {
	dir := t.TempDir()
	v := &versioned{}
	v.set("v1", "")
	for run := 1; run <= 3; run++ {
		if _, err := stageRun(t, dir, v.source("http://h/x")); err != nil {
			t.Fatal(err)
		}
		if v.fetches.Load() != int32(run) || v.stats.Load() != 0 {
			t.Fatalf("run %d: %d fetches, %d stats; want a fetch a run and no stat", run, v.fetches.Load(), v.stats.Load())
		}
	}
}

// One URI is revalidated once per run, however many tasks stage it at once.
func TestRevalidateOncePerRun(t *testing.T) {
	dir := t.TempDir()
	v := &versioned{}
	v.set("v1", "tag1")
	if _, err := stageRun(t, dir, v.source("http://h/x")); err != nil {
		t.Fatal(err)
	}
	s := openStore(t, dir)
	l := s.Lease()
	var wg sync.WaitGroup
	errs := make([]error, 64)
	for i := range errs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, errs[i] = s.StageSource(context.Background(), l, v.source("http://h/x"))
		}()
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		t.Fatal(err)
	}
	if v.stats.Load() != 1 || v.fetches.Load() != 1 {
		t.Errorf("%d stats and %d fetches in all; want the first run's fetch and one stat", v.stats.Load(), v.fetches.Load())
	}
	if s.holdsOf(digestOf([]byte("v1"))) != 1 {
		t.Errorf("holds = %d, want the lease's one", s.holdsOf(digestOf([]byte("v1"))))
	}
	// Changed meanwhile: this run keeps the version it checked.
	v.set("v2", "tag2")
	b, err := s.StageSource(context.Background(), l, v.source("http://h/x"))
	if err != nil || b.Digest != digestOf([]byte("v1")) || v.stats.Load() != 1 {
		t.Errorf("later in the run: %+v, %v, %d stats; want v1 without asking", b, err, v.stats.Load())
	}
}

func TestChecksumPinsContent(t *testing.T) {
	sum := func(s string) string { return "sha256:" + digestOf([]byte(s)) }
	t.Run("blob with the digest used whatever the URI", func(t *testing.T) {
		dir := t.TempDir()
		a := &versioned{}
		a.set("shared", "")
		if _, err := stageRun(t, dir, a.source("http://mirror-a/tool")); err != nil {
			t.Fatal(err)
		}
		b := &versioned{}
		b.set("shared", "")
		src := b.source("ftp://mirror-b/tool")
		src.Checksum = sum("shared")
		blob, err := stageRun(t, dir, src)
		if err != nil || b.fetches.Load() != 0 || b.stats.Load() != 0 || blob.Name != "tool" {
			t.Fatalf("pinned stage = %+v, %v, %d fetches, %d stats; want the stored blob, nothing asked", blob, err, b.fetches.Load(), b.stats.Load())
		}
	})
	t.Run("stale copy and the new checksum fetch again", func(t *testing.T) {
		dir := t.TempDir()
		v := &versioned{}
		v.set("old", "tag1")
		if _, err := stageRun(t, dir, v.source("http://h/in")); err != nil {
			t.Fatal(err)
		}
		// Within one run too: the copy checked this run is not the pinned one.
		s := openStore(t, dir)
		v.set("new", "tag1") // a validator that lies: the checksum still wins
		src := v.source("http://h/in")
		src.Checksum = sum("new")
		b, err := s.StageSource(context.Background(), s.Lease(), src)
		if err != nil || b.Digest != digestOf([]byte("new")) || v.fetches.Load() != 2 {
			t.Fatalf("stage with the new checksum = %+v, %v, %d fetches; want the new bytes fetched", b, err, v.fetches.Load())
		}
	})
	t.Run("mismatch names both digests of the fresh bytes", func(t *testing.T) {
		dir := t.TempDir()
		v := &versioned{}
		v.set("old", "tag1")
		if _, err := stageRun(t, dir, v.source("http://h/in")); err != nil {
			t.Fatal(err)
		}
		v.set("newer", "tag2")
		src := v.source("http://h/in")
		src.Checksum = sum("new")
		_, err := stageRun(t, dir, src)
		if !errors.Is(err, ErrChecksum) || !strings.Contains(err.Error(), digestOf([]byte("new"))) || !strings.Contains(err.Error(), digestOf([]byte("newer"))) {
			t.Fatalf("err = %v; want ErrChecksum naming sha256 of %q and of %q (the fresh bytes)", err, "new", "newer")
		}
		if v.fetches.Load() != 2 {
			t.Errorf("%d fetches, want 2", v.fetches.Load())
		}
	})
}

func TestIndexKeysKeepSourceIdentity(t *testing.T) {
	dir := t.TempDir()
	s := openStore(t, dir)
	stage := func(uri, identity, data string) Blob {
		t.Helper()
		v := &versioned{}
		v.set(data, "same-tag")
		src := v.source(uri)
		src.Identity = identity
		b, err := s.StageSource(context.Background(), s.Lease(), src)
		if err != nil {
			t.Fatal(err)
		}
		if v.fetches.Load() != 1 {
			t.Errorf("%s (%s): %d fetches, want its own fetch", uri, identity, v.fetches.Load())
		}
		return b
	}
	a := stage("ftp://alice:pw-one@h/data/f", "", "alice's")
	b := stage("ftp://bob:pw-two@h/data/f", "", "bob's")
	c := stage("ftp://h/data/f", "ftp:settings-1", "as user 1")
	d := stage("ftp://h/data/f", "ftp:settings-2", "as user 2")
	if len(map[string]bool{a.Digest: true, b.Digest: true, c.Digest: true, d.Digest: true}) != 4 {
		t.Errorf("sources differing in credentials shared an entry")
	}
	s.Close()
	idx, err := os.ReadFile(filepath.Join(dir, "index.json"))
	if err != nil {
		t.Fatal(err)
	}
	for _, secret := range []string{"pw-one", "pw-two", "settings-1"} {
		if strings.Contains(string(idx), secret) {
			t.Errorf("index.json holds %q:\n%s", secret, idx)
		}
	}
	if fi, err := os.Stat(filepath.Join(dir, secretFile)); err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("index key: %v, %v; want mode 0600", fi, err)
	}
}

func TestIndexVersions(t *testing.T) {
	write := func(t *testing.T, dir string, version int) {
		body := fmt.Sprintf(`{"version": %d, "entries": {"http://h/a": {"digest": "%s", "size": 2}}}`, version, digestOf([]byte("v1")))
		if err := os.WriteFile(filepath.Join(dir, "index.json"), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	t.Run("older index: entries fetched again", func(t *testing.T) {
		dir := t.TempDir()
		v := &versioned{}
		v.set("v1", "tag1")
		if _, err := stageRun(t, dir, v.source("http://h/a")); err != nil {
			t.Fatal(err)
		}
		write(t, dir, 1)
		v.set("v2", "tag1")
		b, err := stageRun(t, dir, v.source("http://h/a"))
		if got, _ := os.ReadFile(b.Path); err != nil || string(got) != "v2" || v.stats.Load() != 0 {
			t.Fatalf("after a version-1 index: %q, %v, %d stats; want v2 fetched", got, err, v.stats.Load())
		}
	})
	t.Run("newer index refused", func(t *testing.T) {
		dir := t.TempDir()
		os.MkdirAll(dir, 0o755)
		write(t, dir, 99)
		_, err := Open(dir, Options{})
		if err == nil || !strings.Contains(err.Error(), "version 99") || !strings.Contains(err.Error(), "newer batchd") {
			t.Fatalf("Open = %v, want a refusal naming version 99", err)
		}
	})
}
