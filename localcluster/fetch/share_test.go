package fetch

import (
	"context"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// inode is a file's inode number and link count.
func inode(t *testing.T, file string) (ino, nlink uint64, mode fs.FileMode) {
	t.Helper()
	fi, err := os.Lstat(file)
	if err != nil {
		t.Fatal(err)
	}
	st := fi.Sys().(*syscall.Stat_t)
	return st.Ino, uint64(st.Nlink), fi.Mode().Perm()
}

func refuse(errno syscall.Errno) func(string, string) error {
	return func(oldname, newname string) error {
		return &os.LinkError{Op: "link", Old: oldname, New: newname, Err: errno}
	}
}

// TestCacheShares fetches one cached URI into two sandboxes and checks how
// each sandbox holds it: shared (one inode, read-only, link count > 1) or
// its own copy, with the mode the URI asked for. An executable is run from
// each sandbox.
func TestCacheShares(t *testing.T) {
	script := "#!/bin/sh\necho ran\n"
	srv := newServer(t, map[string][]byte{
		"/tool":     []byte(script),
		"/data.txt": []byte("plain"),
		"/b.tar.gz": tarGz(t, []archEntry{{name: "in/x.txt", body: "x"}}),
	})
	tests := []struct {
		name   string
		uri    URI
		link   func(string, string) error // nil: os.Link
		file   string                     // where the URI lands in the sandbox
		mode   fs.FileMode
		shared bool // the sandboxes link the cache's file
		copied int64
		// extracted files, which are each sandbox's own
		extracted []string
	}{
		{name: "executable is linked read-only and runs", uri: URI{Value: srv.URL + "/tool", Executable: true, Cache: true},
			file: "tool", mode: 0o555, shared: true},
		{name: "data is linked read-only", uri: URI{Value: srv.URL + "/data.txt", Cache: true},
			file: "data.txt", mode: 0o444, shared: true},
		{name: "output_file is a link with another name", uri: URI{Value: srv.URL + "/tool", Executable: true, Cache: true, OutputFile: "bin/run"},
			file: "bin/run", mode: 0o555, shared: true},
		{name: "another file system gets a read-only copy", uri: URI{Value: srv.URL + "/tool", Executable: true, Cache: true},
			link: refuse(syscall.EXDEV), file: "tool", mode: 0o555, copied: 2},
		{name: "refused link gets a copy", uri: URI{Value: srv.URL + "/data.txt", Cache: true},
			link: refuse(syscall.EPERM), file: "data.txt", mode: 0o444, copied: 2},
		{name: "cache=false is a private writable file", uri: URI{Value: srv.URL + "/tool", Executable: true},
			file: "tool", mode: 0o755},
		{name: "cached archive is linked, its files extracted", uri: URI{Value: srv.URL + "/b.tar.gz", Extract: true, Cache: true},
			file: "b.tar.gz", mode: 0o444, shared: true, extracted: []string{"in/x.txt"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			cacheDir := filepath.Join(t.TempDir(), "cache")
			f := New(Config{CacheDir: cacheDir})
			if tc.link != nil {
				f.cache.link = tc.link
			}
			sandboxes := []string{t.TempDir(), t.TempDir()}
			for _, sb := range sandboxes {
				if err := f.Fetch(context.Background(), tc.uri, sb); err != nil {
					t.Fatal(err)
				}
			}
			inos := map[uint64]bool{}
			for i, sb := range sandboxes {
				file := filepath.Join(sb, tc.file)
				ino, nlink, mode := inode(t, file)
				inos[ino] = true
				if mode != tc.mode {
					t.Errorf("sandbox %d: mode %v, want %v", i, mode, tc.mode)
				}
				if shared := nlink > 1; shared != tc.shared {
					t.Errorf("sandbox %d: %d links, want shared %v", i, nlink, tc.shared)
				}
				if tc.uri.Executable {
					out, err := exec.Command(file).Output()
					if err != nil || string(out) != "ran\n" {
						t.Errorf("sandbox %d: running %s: %q, %v", i, tc.file, out, err)
					}
				}
				for _, x := range tc.extracted {
					if _, n, _ := inode(t, filepath.Join(sb, x)); n != 1 {
						t.Errorf("sandbox %d: extracted %s has %d links, want its own file", i, x, n)
					}
				}
			}
			if tc.shared && len(inos) != 1 {
				t.Errorf("sandboxes hold %d inodes, want the cache's one", len(inos))
			}
			if !tc.shared && len(inos) != 2 {
				t.Errorf("sandboxes hold %d inodes, want one each", len(inos))
			}
			st := f.Stats()
			if st.Copied != tc.copied || (tc.copied > 0) != (st.CopiedBytes > 0) {
				t.Errorf("stats %+v, want %d copies", st, tc.copied)
			}
			if tc.uri.Cache && st.Linked+st.Copied != 2 {
				t.Errorf("stats %+v, want 2 placements", st)
			}
		})
	}
	srv.CloseClientConnections()
}

// TestCacheAcrossFileSystems puts the cache on a tmpfs (/dev/shm) and the
// sandbox elsewhere, so the link really fails with EXDEV.
func TestCacheAcrossFileSystems(t *testing.T) {
	shm, err := os.MkdirTemp("/dev/shm", "fetch-cache-")
	if err != nil {
		t.Skipf("no /dev/shm: %v", err)
	}
	t.Cleanup(func() { os.RemoveAll(shm) })
	sandbox := t.TempDir()
	var a, b syscall.Stat_t
	if syscall.Stat(shm, &a) != nil || syscall.Stat(sandbox, &b) != nil || a.Dev == b.Dev {
		t.Skip("/dev/shm is not another file system here")
	}
	src := filepath.Join(t.TempDir(), "tool")
	os.WriteFile(src, []byte("#!/bin/sh\necho ran\n"), 0o644)
	f := New(Config{CacheDir: shm})
	if err := f.Fetch(context.Background(), URI{Value: src, Cache: true, Executable: true}, sandbox); err != nil {
		t.Fatal(err)
	}
	_, nlink, mode := inode(t, filepath.Join(sandbox, "tool"))
	if nlink != 1 || mode != 0o555 {
		t.Errorf("sandbox file: %d links, mode %v; want a copy with mode 0555", nlink, mode)
	}
	if st := f.Stats(); st.Copied != 1 || st.CopiedBytes != int64(len("#!/bin/sh\necho ran\n")) {
		t.Errorf("stats %+v, want one copy", st)
	}
}

// TestCacheEvictionKeepsLinks evicts a URI whose file a sandbox links: the
// sandbox keeps the file and its bytes, the cache drops its own link, and
// the next fetch downloads the URI to a new file.
func TestCacheEvictionKeepsLinks(t *testing.T) {
	srv := newServer(t, map[string][]byte{"/a": []byte(strings.Repeat("a", 100)), "/b": []byte(strings.Repeat("b", 100))})
	cacheDir := filepath.Join(t.TempDir(), "cache")
	f := New(Config{CacheDir: cacheDir, CacheBytes: 150})
	fetch := func(p string) string {
		t.Helper()
		sb := t.TempDir()
		if err := f.Fetch(context.Background(), URI{Value: srv.URL + p, Cache: true, Executable: true}, sb); err != nil {
			t.Fatal(err)
		}
		return filepath.Join(sb, p[1:])
	}
	first := fetch("/a")
	ino, nlink, _ := inode(t, first)
	if nlink != 2 {
		t.Fatalf("%d links after the first fetch, want 2 (cache and sandbox)", nlink)
	}
	fetch("/b") // evicts /a
	if _, err := os.Stat(filepath.Join(cacheDir, cacheKey(srv.URL+"/a", true))); err == nil {
		t.Error("/a is still in the cache")
	}
	if b, err := os.ReadFile(first); err != nil || string(b) != strings.Repeat("a", 100) {
		t.Errorf("evicted file in the sandbox: %q, %v", b, err)
	}
	if _, n, _ := inode(t, first); n != 1 {
		t.Errorf("%d links after eviction, want the sandbox's only", n)
	}
	again := fetch("/a")
	if ino2, _, _ := inode(t, again); ino2 == ino {
		t.Error("refetched /a reuses the evicted inode")
	}
	if got := srv.hits["/a"].Load(); got != 2 {
		t.Errorf("/a requested %d times, want 2", got)
	}
	srv.CloseClientConnections()
}

// TestCacheNewVersionIsNewFile: a changed source gives a new cached file;
// a sandbox linked to the old version still holds the old bytes.
func TestCacheNewVersionIsNewFile(t *testing.T) {
	src := filepath.Join(t.TempDir(), "tool")
	os.WriteFile(src, []byte("v1"), 0o644)
	f := New(Config{CacheDir: filepath.Join(t.TempDir(), "cache")})
	fetch := func(scope string) string {
		t.Helper()
		sb := t.TempDir()
		if err := f.Fetch(context.Background(), URI{Value: src, Cache: true, Scope: scope}, sb); err != nil {
			t.Fatal(err)
		}
		return filepath.Join(sb, "tool")
	}
	old := fetch("fw1")
	os.WriteFile(src, []byte("v2"), 0o644)
	current := fetch("fw2")
	for file, want := range map[string]string{old: "v1", current: "v2"} {
		if b, _ := os.ReadFile(file); string(b) != want {
			t.Errorf("%s has %q, want %q", file, b, want)
		}
	}
	oldIno, _, _ := inode(t, old)
	newIno, _, _ := inode(t, current)
	if oldIno == newIno {
		t.Error("the new version was written into the old file")
	}
}
