package staging

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"testing"
)

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
