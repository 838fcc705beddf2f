package archive

import (
	"archive/tar"
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"testing"
)

// Symlinks already in the target folder are replaced or refused, never followed.
func TestExistingFilesAreNotFollowed(t *testing.T) {
	tests := []struct {
		name    string
		members []member
		rule    Rule // "" when the extraction succeeds
		want    map[string]string
	}{
		{name: "file replaces an existing symlink", members: []member{{name: "pre", body: "new"}},
			want: map[string]string{"pre": "file -rw-r--r-- new", "old.txt": "file -rw-r--r-- old"}},
		{name: "symlink replaces an existing symlink", members: []member{{name: "pre", typ: tar.TypeSymlink, link: "old.txt"}},
			want: map[string]string{"pre": "link -> old.txt", "old.txt": "file -rw-r--r-- old"}},
		{name: "file through an existing symlink", members: []member{{name: "pre/x", body: "pwned"}}, rule: RuleThroughSymlink},
		{name: "folder over an existing file", members: []member{{name: "old.txt/"}}, rule: RuleConflict},
		{name: "existing file replaced", members: []member{{name: "old.txt", body: "replaced", mode: 0o755}},
			want: map[string]string{"pre": "link -> OUTSIDE", "old.txt": "file -rwxr-xr-x replaced"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dst, outside := t.TempDir(), t.TempDir()
			if err := os.Symlink(outside, filepath.Join(dst, "pre")); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(filepath.Join(dst, "old.txt"), []byte("old"), 0o644); err != nil {
				t.Fatal(err)
			}
			src := writeFile(t, "a.tar", tarOf(t, tc.members...))
			_, err := Extract(context.Background(), src, dst, Limits{})
			var re *RuleError
			switch {
			case tc.rule == "" && err != nil:
				t.Fatalf("Extract: %v", err)
			case tc.rule != "" && (!errors.As(err, &re) || re.Rule != tc.rule):
				t.Fatalf("Extract: %v, want rule %q", err, tc.rule)
			}
			if got := listing(t, outside); len(got) > 0 {
				t.Errorf("written outside through the existing symlink: %v", got)
			}
			if tc.want != nil {
				got := listing(t, dst)
				if got["pre"] == "link -> "+outside {
					got["pre"] = "link -> OUTSIDE"
				}
				if len(got) != len(tc.want) {
					t.Errorf("tree %v, want %v", got, tc.want)
				}
				for p, w := range tc.want {
					if got[p] != w {
						t.Errorf("%s: %q, want %q", p, got[p], w)
					}
				}
			}
		})
	}
}

// cancelReader cancels a context once it has been read from.
type cancelReader struct {
	r      io.Reader
	cancel context.CancelFunc
}

func (c *cancelReader) Read(p []byte) (int, error) {
	c.cancel()
	return c.r.Read(p)
}

func TestContextStopsExtraction(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	src := writeFile(t, "a.tar", tarOf(t, member{name: "a", body: "x"}))
	if _, err := Extract(ctx, src, t.TempDir(), Limits{}); !errors.Is(err, context.Canceled) {
		t.Errorf("Extract with a cancelled context: %v", err)
	}
	// Cancelled in the middle of copying a file.
	ctx, cancel = context.WithCancel(context.Background())
	defer cancel()
	x := &extractor{ctx: ctx, lim: DefaultLimits(), tree: newTree(), sink: checkSink{}, buf: make([]byte, 16)}
	err := x.add(entry{name: "big", typ: typeFile, size: -1}, &cancelReader{r: io.LimitReader(zeroReader{}, 1<<20), cancel: cancel})
	if !errors.Is(err, context.Canceled) || x.stats.Bytes > 32 {
		t.Errorf("add while cancelled: %v after %d bytes", err, x.stats.Bytes)
	}
}

type zeroReader struct{}

func (zeroReader) Read(p []byte) (int, error) {
	clear(p)
	return len(p), nil
}

func TestFormatNames(t *testing.T) {
	for name, want := range map[string]Format{
		"a.tar": Tar, "a.tar.gz": TarGz, "A.TGZ": TarGz, "a.tar.bz2": TarBz2, "a.tbz2": TarBz2, "a.tar.xz": TarXz,
		"a.txz": TarXz, "a.tar.zst": TarZst, "a.tzst": TarZst, "a.zip": Zip, "notes.txt.gz": Gz, "/x/y/z.tgz": TarGz,
	} {
		if got, ok := FormatOf(name); !ok || got != want {
			t.Errorf("FormatOf(%q) = %q, %v; want %q", name, got, ok, want)
		}
	}
	for _, name := range []string{"a.txt", "tar", "a.tar.lz", "a.bz2", ""} {
		if got, ok := FormatOf(name); ok {
			t.Errorf("FormatOf(%q) = %q, want none", name, got)
		}
	}
	for _, n := range Names() {
		if _, ok := ParseFormat(n); !ok {
			t.Errorf("ParseFormat(%q) fails", n)
		}
	}
	if f, ok := ParseFormat(".TGZ"); !ok || f != TarGz {
		t.Errorf("ParseFormat(.TGZ) = %q, %v", f, ok)
	}
}
