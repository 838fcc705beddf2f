package archive

import (
	"archive/tar"
	"context"
	"errors"
	"flag"
	"maps"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "regenerate testdata/*.tar.bz2 with the bzip2 command")

// goodMembers is a well-behaved archive: folders, modes to clean up, links
// inside, a duplicate entry.
var goodMembers = []member{
	{name: "./", typ: tar.TypeDir},
	{name: "bin/"},
	{name: "bin/tool", body: "#!/bin/sh\necho hi\n", mode: 0o4755},
	{name: "bin/t", typ: tar.TypeSymlink, link: "tool"},
	{name: "data/a.txt", body: "alpha", mode: 0o666},
	{name: "data/ro.txt", body: "read only", mode: 0o400},
	{name: "data/dup.txt", body: "first"},
	{name: "data/dup.txt", body: "second"},
	{name: "up", typ: tar.TypeSymlink, link: "data/../bin"},
}

var goodListing = map[string]string{
	"bin":          "dir -rwxr-xr-x",
	"bin/tool":     "file -rwxr-xr-x #!/bin/sh\necho hi\n",
	"bin/t":        "link -> tool",
	"data":         "dir -rwxr-xr-x",
	"data/a.txt":   "file -rw-r--r-- alpha",
	"data/ro.txt":  "file -rw------- read only",
	"data/dup.txt": "file -rw-r--r-- second",
	"up":           "link -> data/../bin",
}

// hardlinked adds a hard link to goodMembers (zip has none).
var hardlinked = append(slices.Clone(goodMembers), member{name: "data/b.txt", typ: tar.TypeLink, link: "data/a.txt"})

// bzip2Fixture returns testdata/name, regenerating it from data with the
// bzip2 command under -update.
func bzip2Fixture(t *testing.T, name string, data []byte) []byte {
	t.Helper()
	p := filepath.Join("testdata", name)
	if *update {
		cmd := exec.Command("bzip2", "-c")
		cmd.Stdin = strings.NewReader(string(data))
		out, err := cmd.Output()
		if err != nil {
			t.Fatalf("bzip2: %v", err)
		}
		if err := os.WriteFile(p, out, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatalf("reading fixture (regenerate with go test -run %s -update): %v", t.Name(), err)
	}
	return b
}

func TestExtractGoodArchives(t *testing.T) {
	withHardlink := maps.Clone(goodListing)
	withHardlink["data/b.txt"] = "file -rw-r--r-- alpha"
	tests := []struct {
		name  string
		data  func(t *testing.T) []byte
		want  map[string]string
		stats Stats
	}{
		{name: "a.tar", data: func(t *testing.T) []byte { return tarOf(t, hardlinked...) }, want: withHardlink, stats: Stats{Files: 8, Dirs: 1, Bytes: 43}},
		{name: "a.tar.gz", data: func(t *testing.T) []byte { return compress(t, TarGz, tarOf(t, hardlinked...)) }, want: withHardlink, stats: Stats{Files: 8, Dirs: 1, Bytes: 43}},
		{name: "a.TGZ", data: func(t *testing.T) []byte { return compress(t, TarGz, tarOf(t, hardlinked...)) }, want: withHardlink, stats: Stats{Files: 8, Dirs: 1, Bytes: 43}},
		{name: "a.tar.xz", data: func(t *testing.T) []byte { return compress(t, TarXz, tarOf(t, hardlinked...)) }, want: withHardlink, stats: Stats{Files: 8, Dirs: 1, Bytes: 43}},
		{name: "a.txz", data: func(t *testing.T) []byte { return compress(t, TarXz, tarOf(t, hardlinked...)) }, want: withHardlink, stats: Stats{Files: 8, Dirs: 1, Bytes: 43}},
		{name: "a.tar.zst", data: func(t *testing.T) []byte { return compress(t, TarZst, tarOf(t, hardlinked...)) }, want: withHardlink, stats: Stats{Files: 8, Dirs: 1, Bytes: 43}},
		{name: "a.tzst", data: func(t *testing.T) []byte { return compress(t, TarZst, tarOf(t, hardlinked...)) }, want: withHardlink, stats: Stats{Files: 8, Dirs: 1, Bytes: 43}},
		{name: "a.tar.bz2", data: func(t *testing.T) []byte { return bzip2Fixture(t, "good.tar.bz2", tarOf(t, hardlinked...)) }, want: withHardlink, stats: Stats{Files: 8, Dirs: 1, Bytes: 43}},
		{name: "a.tbz2", data: func(t *testing.T) []byte { return bzip2Fixture(t, "good.tar.bz2", tarOf(t, hardlinked...)) }, want: withHardlink, stats: Stats{Files: 8, Dirs: 1, Bytes: 43}},
		{name: "a.zip", data: func(t *testing.T) []byte { return zipOf(t, goodMembers...) }, want: goodListing, stats: Stats{Files: 7, Dirs: 1, Bytes: 43}},
		{name: "note.txt.gz", data: func(t *testing.T) []byte { return compress(t, Gz, []byte("1 2 3\n")) },
			want: map[string]string{"note.txt": "file -rw-r--r-- 1 2 3\n"}, stats: Stats{Files: 1, Bytes: 6}},
		{name: "empty.tar", data: func(t *testing.T) []byte { return tarOf(t) }, want: map[string]string{}},
		{name: "empty.zip", data: func(t *testing.T) []byte { return zipOf(t) }, want: map[string]string{}},
		// The name says nothing: the format is sniffed.
		{name: "blob-tgz", data: func(t *testing.T) []byte { return compress(t, TarGz, tarOf(t, hardlinked...)) }, want: withHardlink, stats: Stats{Files: 8, Dirs: 1, Bytes: 43}},
		{name: "blob-zip", data: func(t *testing.T) []byte { return zipOf(t, goodMembers...) }, want: goodListing, stats: Stats{Files: 7, Dirs: 1, Bytes: 43}},
		{name: "blob-tar", data: func(t *testing.T) []byte { return tarOf(t, hardlinked...) }, want: withHardlink, stats: Stats{Files: 8, Dirs: 1, Bytes: 43}},
		{name: "blob-zst", data: func(t *testing.T) []byte { return compress(t, TarZst, tarOf(t, hardlinked...)) }, want: withHardlink, stats: Stats{Files: 8, Dirs: 1, Bytes: 43}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			src := writeFile(t, tc.name, tc.data(t))
			ctx := context.Background()
			checked, err := Check(ctx, src, Limits{})
			if err != nil {
				t.Fatalf("Check: %v", err)
			}
			dst := t.TempDir()
			stats, err := Extract(ctx, src, dst, Limits{})
			if err != nil {
				t.Fatalf("Extract: %v", err)
			}
			if stats != tc.stats || checked != stats {
				t.Errorf("Extract stats %+v, Check stats %+v, want %+v", stats, checked, tc.stats)
			}
			if got := listing(t, dst); !maps.Equal(got, tc.want) {
				t.Errorf("extracted tree:\n%v\nwant:\n%v", got, tc.want)
			}
		})
	}
}

func TestUnknownFormat(t *testing.T) {
	src := writeFile(t, "notes.txt", []byte("just text, no archive"))
	if _, err := Check(context.Background(), src, Limits{}); !errors.Is(err, ErrUnknownFormat) {
		t.Errorf("Check of a text file: %v, want ErrUnknownFormat", err)
	}
	if _, err := (Source{Path: src, Format: "rar"}).Check(context.Background(), Limits{}); !errors.Is(err, ErrUnknownFormat) {
		t.Errorf("Check as rar: %v, want ErrUnknownFormat", err)
	}
	bad := writeFile(t, "bad.tar.gz", []byte("\x1f\x8bnot really gzip"))
	if _, err := Extract(context.Background(), bad, t.TempDir(), Limits{}); !errors.Is(err, ErrCorrupt) {
		t.Errorf("Extract of a corrupt tar.gz: %v, want ErrCorrupt", err)
	}
}

func TestSourceNameAndFormat(t *testing.T) {
	// A content-addressed blob extracted under the name its URI had.
	gz := writeFile(t, "3f2a9c", compress(t, Gz, []byte("42\n")))
	dst := t.TempDir()
	if _, err := (Source{Path: gz, Name: "answer.txt.gz"}).Extract(context.Background(), dst, Limits{}); err != nil {
		t.Fatal(err)
	}
	if got := listing(t, dst); got["answer.txt"] != "file -rw-r--r-- 42\n" {
		t.Errorf("extracted %v", got)
	}
	tgz := writeFile(t, "blob", compress(t, TarGz, tarOf(t, member{name: "x", body: "y"})))
	if _, err := (Source{Path: tgz, Format: "TGZ"}).Check(context.Background(), Limits{}); err != nil {
		t.Errorf("Check with Format tgz: %v", err)
	}
}
