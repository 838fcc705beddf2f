package archive

import (
	"archive/tar"
	"context"
	"errors"
	"os"
	"path/filepath"
	"testing"
)

// fuzzLimits keep a fuzzed archive from filling the disk.
var fuzzLimits = Limits{MaxBytes: 1 << 20, MaxFiles: 200}

// fuzzExtract extracts data (named name) and checks the invariants: no
// panic, nothing outside the target, no symlink left pointing out, and
// Check's verdict equal to Extract's.
func fuzzExtract(t *testing.T, name string, data []byte) {
	parent, outside := t.TempDir(), t.TempDir()
	dst := filepath.Join(parent, "dst")
	if err := os.Mkdir(dst, 0o755); err != nil {
		t.Fatal(err)
	}
	src := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(src, data, 0o644); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	cstats, cerr := Check(ctx, src, fuzzLimits)
	xstats, xerr := Extract(ctx, src, dst, fuzzLimits)
	var re *RuleError
	switch {
	case (cerr == nil) != (xerr == nil):
		t.Errorf("Check said %v, Extract said %v", cerr, xerr)
	case errors.As(cerr, &re) && cerr.Error() != xerr.Error():
		t.Errorf("Check said %q, Extract said %q", cerr, xerr)
	case cerr == nil && cstats != xstats:
		t.Errorf("Check stats %+v, Extract stats %+v", cstats, xstats)
	}
	if got := listing(t, parent); !onlyUnder(got, "dst") {
		t.Fatalf("written outside the target: %v", got)
	}
	if got := listing(t, outside); len(got) > 0 {
		t.Fatalf("written in another folder: %v", got)
	}
	assertNoEscapingLinks(t, dst)
}

func FuzzExtractTar(f *testing.F) {
	f.Add(tarOf(f, hardlinked...))
	f.Add(tarOf(f, member{name: "../x", body: "x"}))
	f.Add(tarOf(f, member{name: "sub/"}, member{name: "l", typ: tar.TypeSymlink, link: "sub"}, member{name: "l/x", body: "x"}))
	f.Add(tarOf(f, member{name: "sub/"}, member{name: "l1", typ: tar.TypeSymlink, link: "sub/l2/.."},
		member{name: "sub/l2", typ: tar.TypeSymlink, link: ".."}))
	f.Add(tarOf(f, member{name: "f", body: "x"}, member{name: "h", typ: tar.TypeLink, link: "f"}, member{name: "p", typ: tar.TypeFifo}))
	f.Fuzz(func(t *testing.T, data []byte) {
		fuzzExtract(t, "fuzz.tar", data)
	})
}

func FuzzExtractZip(f *testing.F) {
	f.Add(zipOf(f, goodMembers...))
	f.Add(zipOf(f, member{name: "../x", body: "x"}))
	f.Add(zipOf(f, member{name: "l", typ: tar.TypeSymlink, link: "."}, member{name: "l/x", body: "x"}))
	f.Add(zipOf(f, member{name: "a/"}, member{name: "a/b", body: "bb", mode: 0o4755}))
	f.Fuzz(func(t *testing.T, data []byte) {
		fuzzExtract(t, "fuzz.zip", data)
	})
}
