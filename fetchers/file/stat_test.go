package filefetch

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/batchd/batchd/plugins/fetcher"
	"github.com/batchd/batchd/plugins/fetcher/fetchertest"
)

// later is a file fetcher whose clock runs an hour ahead, so files the
// test just wrote have timestamps old enough to trust.
func later() *Fetcher {
	return &Fetcher{now: func() time.Time { return time.Now().Add(time.Hour) }}
}

func TestValidators(t *testing.T) {
	// Each case: how the file changes after the first fetch, and whether
	// Stat must then tell a change.
	tests := []struct {
		name    string
		f       *Fetcher
		change  func(t *testing.T, path string)
		changed bool
		kind    string // validator prefix
	}{
		{name: "unchanged", f: later(), change: func(*testing.T, string) {}, kind: "file:"},
		{name: "rewritten, same size", f: later(), change: func(t *testing.T, p string) { rewrite(t, p, "2 2 2\n") }, changed: true, kind: "file:"},
		{name: "rewritten, mtime put back", f: later(), change: func(t *testing.T, p string) {
			fi, _ := os.Stat(p)
			rewrite(t, p, "9 9 9\n")
			os.Chtimes(p, fi.ModTime(), fi.ModTime()) // ctime still moves
		}, changed: true, kind: "file:"},
		{name: "replaced by rename", f: later(), change: func(t *testing.T, p string) {
			tmp := p + ".new"
			rewrite(t, tmp, "1 2 3\n")
			os.Rename(tmp, p)
		}, changed: true, kind: "file:"},
		{name: "touched only", f: later(), change: func(t *testing.T, p string) {
			os.Chtimes(p, time.Now(), time.Now().Add(time.Minute))
		}, changed: true, kind: "file:"},
		// A file written just now: its timestamps prove nothing, so the
		// content decides.
		{name: "recent, unchanged", f: New(), change: func(*testing.T, string) {}, kind: "sha256:"},
		{name: "recent, rewritten in the same tick", f: New(), change: func(t *testing.T, p string) {
			fi, _ := os.Stat(p)
			rewrite(t, p, "7 7 7\n")
			os.Chtimes(p, fi.ModTime(), fi.ModTime())
		}, changed: true, kind: "sha256:"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			p := writeFile(t, dir, "in.txt", []byte("1 2 3\n"))
			f := fetchertest.Conn(t, tt.f)
			res, err := f.Fetch(context.Background(), fetcher.Request{URI: p, Dest: filepath.Join(dir, "dest")}, nil)
			if err != nil {
				t.Fatal(err)
			}
			if !strings.HasPrefix(res.Validator, tt.kind) {
				t.Fatalf("Fetch validator = %q, want a %q one", res.Validator, tt.kind)
			}
			tt.change(t, p)
			st, err := f.(fetcher.Stater).Stat(context.Background(), fetcher.StatRequest{URI: "file://" + p, Validator: res.Validator})
			if err != nil {
				t.Fatal(err)
			}
			if got := st.Validator != res.Validator; got != tt.changed || st.Validator == "" {
				t.Errorf("Stat validator %q after Fetch's %q: changed = %v, want %v", st.Validator, res.Validator, got, tt.changed)
			}
		})
	}
}

func rewrite(t *testing.T, p, data string) {
	t.Helper()
	if err := os.WriteFile(p, []byte(data), 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestFetchedValidatorOfAFileChangedWhileRead(t *testing.T) {
	dir := t.TempDir()
	p := writeFile(t, dir, "in.txt", []byte("1 2 3\n"))
	before, _ := os.Stat(p)
	rewrite(t, p, "1 2 3 4\n")
	after, _ := os.Stat(p)
	if v := fetchedValidator(before, after, "ab", time.Now().Add(time.Hour)); v != "" {
		t.Errorf("validator = %q, want none for a file that changed during the copy", v)
	}
}

func TestStatErrors(t *testing.T) {
	dir := t.TempDir()
	s := fetchertest.Stater(t, New())
	tests := []struct {
		uri  string
		want error
	}{
		{filepath.Join(dir, "missing"), fetcher.ErrNotFound},
		{dir, fetcher.ErrUnsupported},
		{"relative/path", fetcher.ErrUnsupported},
		{"file://otherhost/x", fetcher.ErrUnsupported},
	}
	for _, tt := range tests {
		t.Run(tt.uri, func(t *testing.T) {
			if _, err := s.Stat(context.Background(), fetcher.StatRequest{URI: tt.uri}); !errors.Is(err, tt.want) {
				t.Errorf("Stat(%q) = %v, want %v", tt.uri, err, tt.want)
			}
		})
	}
}
