package staging

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

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
			if got := BaseName(tt.uri); got != tt.want {
				t.Errorf("BaseName(%q) = %q, want %q", tt.uri, got, tt.want)
			}
		})
	}
}
