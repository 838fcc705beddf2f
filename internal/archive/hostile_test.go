package archive

import (
	"archive/tar"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// hostile is an archive that must be refused, and why.
type hostile struct {
	name  string // the archive's file name; its suffix is the format
	data  func(t *testing.T, outside string) []byte
	lim   Limits
	entry string
	rule  Rule
}

func tarCase(name string, ms ...member) func(*testing.T, string) []byte {
	return func(t *testing.T, _ string) []byte { return tarOf(t, ms...) }
}

func zipCase(ms ...member) func(*testing.T, string) []byte {
	return func(t *testing.T, _ string) []byte { return zipOf(t, ms...) }
}

var zeros = strings.Repeat("\x00", 4<<20)

var hostileArchives = []hostile{
	{name: "dotdot.tar", data: tarCase("", member{name: "../x", body: "pwned"}), entry: "../x", rule: RuleEscape},
	{name: "nested-dotdot.tar", data: tarCase("", member{name: "a/../../x", body: "pwned"}), entry: "a/../../x", rule: RuleEscape},
	{name: "inner-dotdot.tar", data: tarCase("", member{name: "a/b/../c", body: "x"}), entry: "a/b/../c", rule: RuleEscape},
	{name: "absolute.tar", data: func(t *testing.T, outside string) []byte {
		return tarOf(t, member{name: filepath.Join(outside, "x"), body: "pwned"})
	}, entry: "/", rule: RuleEscape},
	{name: "symlink-absolute.tar", data: func(t *testing.T, outside string) []byte {
		return tarOf(t, member{name: "a", typ: tar.TypeSymlink, link: outside}, member{name: "a/x", body: "pwned"})
	}, entry: "a", rule: RuleSymlinkEscape},
	{name: "symlink-relative-out.tar", data: tarCase("", member{name: "d/l", typ: tar.TypeSymlink, link: "../../x"}), entry: "d/l", rule: RuleSymlinkEscape},
	{name: "symlink-then-file-through-it.tar", data: tarCase("",
		member{name: "sub/"}, member{name: "l", typ: tar.TypeSymlink, link: "sub"}, member{name: "l/x", body: "through"}),
		entry: "l/x", rule: RuleThroughSymlink},
	{name: "symlink-then-dir-through-it.tar", data: tarCase("",
		member{name: "l", typ: tar.TypeSymlink, link: "."}, member{name: "l/d/"}), entry: "l/d/", rule: RuleThroughSymlink},
	{name: "symlink-escapes-through-later-link.tar", data: tarCase("",
		member{name: "sub/"}, member{name: "l1", typ: tar.TypeSymlink, link: "sub/l2/.."},
		member{name: "sub/l2", typ: tar.TypeSymlink, link: ".."}), entry: "l1", rule: RuleSymlinkEscape},
	{name: "symlink-escapes-through-earlier-link.tar", data: tarCase("",
		member{name: "sub/l2", typ: tar.TypeSymlink, link: ".."}, member{name: "l1", typ: tar.TypeSymlink, link: "sub/l2/.."}),
		entry: "l1", rule: RuleSymlinkEscape},
	{name: "symlink-loop.tar", data: tarCase("",
		member{name: "a", typ: tar.TypeSymlink, link: "b"}, member{name: "b", typ: tar.TypeSymlink, link: "a"}), entry: "a", rule: RuleSymlinkDepth},
	{name: "symlink-empty.tar", data: tarCase("", member{name: "a", typ: tar.TypeSymlink, link: ""}), entry: "a", rule: RuleBadName},
	{name: "hardlink-out.tar", data: tarCase("", member{name: "h", typ: tar.TypeLink, link: "../../etc/passwd"}), entry: "h", rule: RuleEscape},
	{name: "hardlink-absolute.tar", data: tarCase("", member{name: "h", typ: tar.TypeLink, link: "/etc/passwd"}), entry: "h", rule: RuleEscape},
	{name: "hardlink-missing.tar", data: tarCase("", member{name: "h", typ: tar.TypeLink, link: "nothere"}), entry: "h", rule: RuleHardlink},
	{name: "hardlink-to-later.tar", data: tarCase("",
		member{name: "h", typ: tar.TypeLink, link: "f"}, member{name: "f", body: "x"}), entry: "h", rule: RuleHardlink},
	{name: "hardlink-to-symlink.tar", data: tarCase("",
		member{name: "l", typ: tar.TypeSymlink, link: "f"}, member{name: "h", typ: tar.TypeLink, link: "l"}), entry: "h", rule: RuleHardlink},
	{name: "hardlink-through-symlink.tar", data: tarCase("",
		member{name: "d/f", body: "x"}, member{name: "l", typ: tar.TypeSymlink, link: "d"}, member{name: "h", typ: tar.TypeLink, link: "l/f"}),
		entry: "h", rule: RuleHardlink},
	{name: "hardlink-to-itself.tar", data: tarCase("",
		member{name: "f", body: "x"}, member{name: "f", typ: tar.TypeLink, link: "f"}), entry: "f", rule: RuleHardlink},
	{name: "device.tar", data: tarCase("", member{name: "null", typ: tar.TypeChar}), entry: "null", rule: RuleSpecial},
	{name: "block.tar", data: tarCase("", member{name: "sda", typ: tar.TypeBlock}), entry: "sda", rule: RuleSpecial},
	{name: "fifo.tar", data: tarCase("", member{name: "p", typ: tar.TypeFifo}), entry: "p", rule: RuleSpecial},
	{name: "file-then-dir.tar", data: tarCase("", member{name: "a", body: "x"}, member{name: "a/"}), entry: "a/", rule: RuleConflict},
	{name: "dir-then-file.tar", data: tarCase("", member{name: "a/"}, member{name: "a", body: "x"}), entry: "a", rule: RuleConflict},
	{name: "file-under-file.tar", data: tarCase("", member{name: "a", body: "x"}, member{name: "a/b", body: "y"}), entry: "a/b", rule: RuleConflict},
	{name: "symlink-named-dot.tar", data: tarCase("", member{name: ".", typ: tar.TypeSymlink, link: "x"}), entry: ".", rule: RuleBadName},
	{name: "deep.tar", data: tarCase("", member{name: strings.Repeat("d/", 200) + "f", body: "x"}), entry: strings.Repeat("d/", 200) + "f", rule: RuleTooDeep},
	{name: "too-many.tar", data: func(t *testing.T, _ string) []byte {
		var ms []member
		for i := range 11 {
			ms = append(ms, member{name: fmt.Sprintf("f%d", i), body: "x"})
		}
		return tarOf(t, ms...)
	}, lim: Limits{MaxFiles: 10}, entry: "f10", rule: RuleTooManyEntries},
	{name: "big-entry.tar", data: tarCase("", member{name: "big", body: strings.Repeat("x", 200)}), lim: Limits{MaxEntryBytes: 100}, entry: "big", rule: RuleEntryTooBig},
	{name: "too-big-in-all.tar.gz", data: func(t *testing.T, _ string) []byte {
		return compress(t, TarGz, tarOf(t, member{name: "a", body: zeros[:600<<10]}, member{name: "b", body: zeros[:600<<10]}))
	}, lim: Limits{MaxBytes: 1 << 20}, entry: "b", rule: RuleTooBig},
	// A plain gzip claims no size: the bytes actually decompressed are counted.
	{name: "bomb.gz", data: func(t *testing.T, _ string) []byte { return compress(t, Gz, []byte(zeros)) },
		lim: Limits{MaxBytes: 1 << 20}, entry: "bomb", rule: RuleTooBig},
	{name: "bomb.tar.zst", data: func(t *testing.T, _ string) []byte {
		return compress(t, TarZst, tarOf(t, member{name: "zeros", body: zeros}))
	}, lim: Limits{MaxBytes: 1 << 20}, entry: "zeros", rule: RuleTooBig},
	{name: "escape.tar.bz2", data: func(t *testing.T, _ string) []byte {
		return bzip2Fixture(t, "escape.tar.bz2", tarOf(t, member{name: "../x", body: "pwned"}))
	}, entry: "../x", rule: RuleEscape},
	{name: "escape.tar.xz", data: func(t *testing.T, _ string) []byte {
		return compress(t, TarXz, tarOf(t, member{name: "../x", body: "pwned"}))
	}, entry: "../x", rule: RuleEscape},
	{name: "dotdot.zip", data: zipCase(member{name: "../x", body: "pwned"}), entry: "../x", rule: RuleEscape},
	{name: "absolute.zip", data: zipCase(member{name: "/x", body: "pwned"}), entry: "/x", rule: RuleEscape},
	{name: "symlink-out.zip", data: zipCase(member{name: "l", typ: tar.TypeSymlink, link: "/etc"}), entry: "l", rule: RuleSymlinkEscape},
	{name: "symlink-then-file.zip", data: zipCase(
		member{name: "l", typ: tar.TypeSymlink, link: "."}, member{name: "l/x", body: "through"}), entry: "l/x", rule: RuleThroughSymlink},
	{name: "fifo.zip", data: zipCase(member{name: "p", typ: tar.TypeFifo}), entry: "p", rule: RuleSpecial},
	{name: "device.zip", data: zipCase(member{name: "null", typ: tar.TypeChar}), entry: "null", rule: RuleSpecial},
	{name: "bomb.zip", data: zipCase(member{name: "zeros", body: zeros}), lim: Limits{MaxBytes: 1 << 20}, entry: "zeros", rule: RuleTooBig},
	{name: "too-many.zip", data: zipCase(member{name: "a"}, member{name: "b"}, member{name: "c"}), lim: Limits{MaxFiles: 2}, entry: "c", rule: RuleTooManyEntries},
}

func TestHostileArchives(t *testing.T) {
	for _, tc := range hostileArchives {
		t.Run(tc.name, func(t *testing.T) {
			// The target sits alone in parent; outside is another folder.
			parent, outside := t.TempDir(), t.TempDir()
			dst := filepath.Join(parent, "dst")
			if err := os.Mkdir(dst, 0o755); err != nil {
				t.Fatal(err)
			}
			src := writeFile(t, tc.name, tc.data(t, outside))
			ctx := context.Background()
			_, cerr := Check(ctx, src, tc.lim)
			_, xerr := Extract(ctx, src, dst, tc.lim)
			for what, err := range map[string]error{"Check": cerr, "Extract": xerr} {
				var re *RuleError
				if !errors.As(err, &re) || !errors.Is(err, ErrUnsafe) {
					t.Fatalf("%s: %v, want a RuleError", what, err)
				}
				if re.Rule != tc.rule || !strings.HasPrefix(re.Entry, tc.entry) {
					t.Errorf("%s: entry %q broke %q, want %q breaking %q", what, re.Entry, re.Rule, tc.entry, tc.rule)
				}
				if !strings.Contains(err.Error(), string(tc.rule)) || !strings.Contains(err.Error(), tc.name) {
					t.Errorf("%s: message %q names neither the archive nor the rule", what, err)
				}
			}
			if cerr.Error() != xerr.Error() {
				t.Errorf("Check said %q, Extract said %q", cerr, xerr)
			}
			if got := listing(t, parent); len(got) > 0 && !onlyUnder(got, "dst") {
				t.Errorf("written outside the target: %v", got)
			}
			if got := listing(t, outside); len(got) > 0 {
				t.Errorf("written in the outside folder: %v", got)
			}
			assertNoEscapingLinks(t, dst)
		})
	}
}

func onlyUnder(tree map[string]string, dir string) bool {
	for p := range tree {
		if p != dir && !strings.HasPrefix(p, dir+"/") {
			return false
		}
	}
	return true
}

// assertNoEscapingLinks fails if a symlink left in dir resolves outside it.
func assertNoEscapingLinks(t *testing.T, dir string) {
	t.Helper()
	real, err := filepath.EvalSymlinks(dir)
	if err != nil {
		t.Fatal(err)
	}
	for p, what := range listing(t, dir) {
		if !strings.HasPrefix(what, "link") {
			continue
		}
		r, err := filepath.EvalSymlinks(filepath.Join(dir, p))
		if err != nil {
			continue // dangling or a loop: points nowhere
		}
		if r != real && !strings.HasPrefix(r, real+string(filepath.Separator)) {
			t.Errorf("symlink %s left pointing outside, at %s", p, r)
		}
	}
}
