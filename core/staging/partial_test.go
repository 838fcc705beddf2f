package staging

import (
	"context"
	"errors"
	"io"
	"os"
	"slices"
	"testing"
	"time"
)

// resumer is a fake fetcher that can resume: it appends to Dest from
// t.Offset, writing at most limit bytes per call (then failing), and
// records the offsets it was given.
type resumer struct {
	data    []byte
	limit   int // bytes per call before a simulated dropped connection; 0 = all
	offsets []int64
	digest  string // reported digest; "" reports none
}

var errDropped = errors.New("connection dropped")

func (r *resumer) fetch(ctx context.Context, t Target) (int64, string, error) {
	r.offsets = append(r.offsets, t.Offset)
	f, err := os.OpenFile(t.Dest, os.O_WRONLY|os.O_APPEND, 0)
	if err != nil {
		return 0, "", err
	}
	defer f.Close()
	rest := r.data[t.Offset:]
	if r.limit > 0 && len(rest) > r.limit {
		f.Write(rest[:r.limit])
		return 0, "", errDropped
	}
	if _, err := f.Write(rest); err != nil {
		return 0, "", err
	}
	return int64(len(r.data)), r.digest, nil
}

func TestResume(t *testing.T) {
	data := []byte("0123456789abcdefghij")
	uri := "ftp://h/resume.bin"
	tests := []struct {
		name        string
		run         func(t *testing.T, dir string) (*Store, *resumer)
		wantOffsets []int64
	}{
		{name: "after a failed fetch", wantOffsets: []int64{0, 8, 16},
			run: func(t *testing.T, dir string) (*Store, *resumer) {
				s := openStore(t, dir)
				r := &resumer{data: data, limit: 8}
				for range 2 {
					if _, err := s.StageFor(context.Background(), nil, uri, "", r.fetch); !errors.Is(err, errDropped) {
						t.Fatalf("Stage = %v, want %v", err, errDropped)
					}
				}
				r.limit = 0
				stageResumed(t, s, uri, data, r)
				return s, r
			}},
		{name: "after a restart", wantOffsets: []int64{0, 8},
			run: func(t *testing.T, dir string) (*Store, *resumer) {
				s1, err := Open(dir, Options{})
				if err != nil {
					t.Fatal(err)
				}
				r := &resumer{data: data, limit: 8}
				s1.StageFor(context.Background(), nil, uri, "", r.fetch)
				s1.Close()
				s2 := openStore(t, dir)
				r.limit = 0
				stageResumed(t, s2, uri, data, r)
				return s2, r
			}},
		{name: "after a cancelled fetch", wantOffsets: []int64{5},
			run: func(t *testing.T, dir string) (*Store, *resumer) {
				s := openStore(t, dir)
				ctx, cancel := context.WithCancel(context.Background())
				first := func(ctx context.Context, t Target) (int64, string, error) {
					os.WriteFile(t.Dest, data[:5], 0o644)
					cancel()
					<-ctx.Done()
					return 0, "", ctx.Err()
				}
				if _, err := s.StageFor(ctx, nil, uri, "", first); !errors.Is(err, context.Canceled) {
					t.Fatalf("Stage = %v, want context.Canceled", err)
				}
				waitFor(t, "the cancelled fetch to end", func() bool {
					s.mu.Lock()
					defer s.mu.Unlock()
					return len(s.flights) == 0 && len(s.partials) == 0
				})
				r := &resumer{data: data}
				stageResumed(t, s, uri, data, r)
				return s, r
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			s, r := tt.run(t, dir)
			if !slices.Equal(r.offsets, tt.wantOffsets) {
				t.Errorf("fetches given offsets %v, want %v", r.offsets, tt.wantOffsets)
			}
			if n := dirEntries(t, s.tmp); len(n) != 0 {
				t.Errorf("temp files left after the resumed fetch: %v", n)
			}
		})
	}
}

// stageResumed stages uri with r and checks the blob and the offsets seen.
func stageResumed(t *testing.T, s *Store, uri string, data []byte, r *resumer) {
	t.Helper()
	b, err := s.StageFor(context.Background(), nil, uri, "sha256:"+digestOf(data), r.fetch)
	if err != nil {
		t.Fatalf("resumed Stage: %v (offsets %v)", err, r.offsets)
	}
	got, _ := os.ReadFile(b.Path)
	if string(got) != string(data) {
		t.Fatalf("resumed blob = %q, want %q", got, data)
	}
	if r.offsets[len(r.offsets)-1] == 0 {
		t.Fatalf("offsets %v: the last fetch did not resume", r.offsets)
	}
}

func TestResumeDiscardsBadPrefix(t *testing.T) {
	s := openStore(t, t.TempDir())
	data := []byte("0123456789")
	uri := "ftp://h/changed.bin"
	stale := &resumer{data: []byte("XXXXXXXXXX"), limit: 4}
	s.StageFor(context.Background(), nil, uri, "", stale.fetch)
	r := &resumer{data: data, digest: digestOf(data)}
	if _, err := s.StageFor(context.Background(), nil, uri, "", r.fetch); !errors.Is(err, ErrCorrupt) {
		t.Fatalf("Stage over a stale prefix = %v, want ErrCorrupt", err)
	}
	b, err := s.StageFor(context.Background(), nil, uri, "", r.fetch)
	if err != nil || b.Digest != digestOf(data) {
		t.Fatalf("Stage after discarding = %+v, %v", b, err)
	}
	if want := []int64{4, 0}; r.offsets[0] != want[0] || r.offsets[1] != want[1] {
		t.Fatalf("offsets = %v, want %v", r.offsets, want)
	}
}

func TestOpenDropsOldPartials(t *testing.T) {
	dir := t.TempDir()
	s := openStore(t, dir)
	s.Close()
	old := s.partialPath("ftp://h/old")
	fresh := s.partialPath("ftp://h/fresh")
	for _, p := range []string{old, fresh} {
		if err := os.WriteFile(p, []byte("part"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	past := time.Now().Add(-2 * partialMaxAge)
	os.Chtimes(old, past, past)
	s2 := openStore(t, dir)
	if _, err := os.Stat(old); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("old partial kept: %v", err)
	}
	f, err := os.Open(fresh)
	if err != nil {
		t.Fatalf("fresh partial removed: %v", err)
	}
	defer f.Close()
	if b, _ := io.ReadAll(f); string(b) != "part" {
		t.Errorf("fresh partial = %q", b)
	}
	if n := dirEntries(t, s2.tmp); len(n) != 1 {
		t.Errorf("temp folder holds %v, want the fresh partial only", n)
	}
}
