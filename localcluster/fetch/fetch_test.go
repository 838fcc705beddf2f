package fetch

import (
	"archive/tar"
	"archive/zip"
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

type archEntry struct {
	name, body, link string
	mode             int64
	dir              bool
}

func tarGz(t *testing.T, entries []archEntry) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	tw := tar.NewWriter(zw)
	for _, e := range entries {
		h := &tar.Header{Name: e.name, Mode: e.mode, Size: int64(len(e.body)), Typeflag: tar.TypeReg}
		if h.Mode == 0 {
			h.Mode = 0o644
		}
		switch {
		case e.dir:
			h.Typeflag, h.Size, h.Mode = tar.TypeDir, 0, 0o755
		case e.link != "":
			h.Typeflag, h.Linkname, h.Size = tar.TypeSymlink, e.link, 0
		}
		if err := tw.WriteHeader(h); err != nil {
			t.Fatal(err)
		}
		if h.Typeflag == tar.TypeReg {
			tw.Write([]byte(e.body))
		}
	}
	tw.Close()
	zw.Close()
	return buf.Bytes()
}

func zipOf(t *testing.T, entries []archEntry) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, e := range entries {
		h := &zip.FileHeader{Name: e.name, Method: zip.Deflate}
		mode := os.FileMode(0o644)
		if e.mode != 0 {
			mode = os.FileMode(e.mode)
		}
		h.SetMode(mode)
		w, err := zw.CreateHeader(h)
		if err != nil {
			t.Fatal(err)
		}
		w.Write([]byte(e.body))
	}
	zw.Close()
	return buf.Bytes()
}

func gzOf(body string) []byte {
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	zw.Write([]byte(body))
	zw.Close()
	return buf.Bytes()
}

// server serves files by path and counts the requests for each.
type server struct {
	*httptest.Server
	files map[string][]byte
	hits  map[string]*atomic.Int64
}

func newServer(t *testing.T, files map[string][]byte) *server {
	s := &server{files: files, hits: map[string]*atomic.Int64{}}
	for p := range files {
		s.hits[p] = new(atomic.Int64)
	}
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, ok := s.files[r.URL.Path]
		if !ok {
			http.NotFound(w, r)
			return
		}
		s.hits[r.URL.Path].Add(1)
		w.Write(b)
	}))
	t.Cleanup(s.Close)
	return s
}

func TestFetch(t *testing.T) {
	srv := newServer(t, map[string][]byte{
		"/tool":          []byte("#!/bin/sh\necho hi\n"),
		"/data.txt":      []byte("plain"),
		"/bundle.tar.gz": tarGz(t, []archEntry{{name: "dir", dir: true}, {name: "dir/run.sh", body: "x", mode: 0o755}, {name: "link", link: "dir/run.sh"}}),
		"/bundle.zip":    zipOf(t, []archEntry{{name: "z/a.txt", body: "A"}, {name: "z/b.sh", body: "B", mode: 0o755}}),
		"/note.txt.gz":   gzOf("unzipped"),
		"/evil.tar.gz":   tarGz(t, []archEntry{{name: "../evil", body: "x"}}),
		"/abs.tar.gz":    tarGz(t, []archEntry{{name: "/tmp/abs-evil", body: "x"}}),
		"/out.tar.gz":    tarGz(t, []archEntry{{name: "out", link: "../../"}}),
		"/through.tar.gz": tarGz(t, []archEntry{{name: "up", link: "."}, {name: "d", link: "/"},
			{name: "d/etc/x", body: "x"}}),
		"/evil.zip":      zipOf(t, []archEntry{{name: "../../zip-evil", body: "x"}}),
		"/keep.tar.gz":   tarGz(t, []archEntry{{name: "inside", body: "x"}}),
		"/weird name.sh": []byte("y"),
	})
	local := filepath.Join(t.TempDir(), "local.txt")
	os.WriteFile(local, []byte("local"), 0o644)

	tests := []struct {
		name    string
		uri     URI
		files   map[string]string // relative path -> content
		exec    []string          // files that must be executable
		absent  []string
		wantErr string
		unsafe  bool
	}{
		{name: "executable keeps its name and gets 0755", uri: URI{Value: srv.URL + "/tool", Executable: true, Extract: true},
			files: map[string]string{"tool": "#!/bin/sh\necho hi\n"}, exec: []string{"tool"}},
		{name: "output_file renames", uri: URI{Value: srv.URL + "/data.txt", OutputFile: "sub/renamed.txt"},
			files: map[string]string{"sub/renamed.txt": "plain"}},
		{name: "tar.gz is extracted", uri: URI{Value: srv.URL + "/bundle.tar.gz", Extract: true},
			files: map[string]string{"dir/run.sh": "x", "link": "x"}, exec: []string{"dir/run.sh"}},
		{name: "extract=false keeps the archive", uri: URI{Value: srv.URL + "/bundle.tar.gz"},
			absent: []string{"dir/run.sh"}},
		{name: "executable archive is not extracted", uri: URI{Value: srv.URL + "/bundle.zip", Executable: true, Extract: true},
			absent: []string{"z/a.txt"}, exec: []string{"bundle.zip"}},
		{name: "zip is extracted", uri: URI{Value: srv.URL + "/bundle.zip", Extract: true},
			files: map[string]string{"z/a.txt": "A", "z/b.sh": "B"}, exec: []string{"z/b.sh"}},
		{name: "gz is decompressed", uri: URI{Value: srv.URL + "/note.txt.gz", Extract: true},
			files: map[string]string{"note.txt": "unzipped"}},
		{name: "file URI", uri: URI{Value: "file://" + local}, files: map[string]string{"local.txt": "local"}},
		{name: "absolute path", uri: URI{Value: local, OutputFile: "copy"}, files: map[string]string{"copy": "local"}},
		{name: "tar archEntry with .. rejected", uri: URI{Value: srv.URL + "/evil.tar.gz", Extract: true}, unsafe: true},
		{name: "tar archEntry with absolute name rejected", uri: URI{Value: srv.URL + "/abs.tar.gz", Extract: true}, unsafe: true},
		{name: "symlink out of the sandbox rejected", uri: URI{Value: srv.URL + "/out.tar.gz", Extract: true}, unsafe: true},
		{name: "absolute symlink rejected", uri: URI{Value: srv.URL + "/through.tar.gz", Extract: true}, unsafe: true},
		{name: "zip archEntry with .. rejected", uri: URI{Value: srv.URL + "/evil.zip", Extract: true}, unsafe: true},
		{name: "output_file escaping rejected", uri: URI{Value: srv.URL + "/data.txt", OutputFile: "../x"}, wantErr: "escapes"},
		{name: "404 names the URI", uri: URI{Value: srv.URL + "/missing"}, wantErr: "fetching " + srv.URL + "/missing: 404 Not Found"},
		{name: "missing local file names it", uri: URI{Value: "/nonexistent/f"}, wantErr: "fetching /nonexistent/f: open /nonexistent/f"},
		{name: "unsupported scheme", uri: URI{Value: "gopher://x/y"}, wantErr: `unsupported URI scheme "gopher"`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			sandbox := filepath.Join(t.TempDir(), "sandbox")
			os.Mkdir(sandbox, 0o755)
			f := New(Config{})
			err := f.Fetch(context.Background(), tc.uri, sandbox)
			switch {
			case tc.unsafe:
				if !errors.Is(err, ErrUnsafePath) || !strings.Contains(err.Error(), tc.uri.Value) {
					t.Fatalf("error %v, want ErrUnsafePath naming the URI", err)
				}
				if _, err := os.Stat(filepath.Join(filepath.Dir(sandbox), "evil")); err == nil {
					t.Error("file written outside the sandbox")
				}
				return
			case tc.wantErr != "":
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("error %v, want it to contain %q", err, tc.wantErr)
				}
				return
			case err != nil:
				t.Fatal(err)
			}
			for name, want := range tc.files {
				b, err := os.ReadFile(filepath.Join(sandbox, name))
				if err != nil || string(b) != want {
					t.Errorf("%s = %q (%v), want %q", name, b, err, want)
				}
			}
			for _, name := range tc.exec {
				fi, err := os.Stat(filepath.Join(sandbox, name))
				if err != nil || fi.Mode().Perm()&0o111 == 0 {
					t.Errorf("%s not executable (%v)", name, err)
				}
			}
			for _, name := range tc.absent {
				if _, err := os.Stat(filepath.Join(sandbox, name)); err == nil {
					t.Errorf("%s exists", name)
				}
			}
		})
	}
}

func TestCache(t *testing.T) {
	srv := newServer(t, map[string][]byte{"/a": bytes.Repeat([]byte("a"), 100), "/b": bytes.Repeat([]byte("b"), 100)})
	tests := []struct {
		name     string
		limit    int64
		fetches  []string
		wantHits map[string]int64
	}{
		{name: "second fetch is a hit", limit: 1000, fetches: []string{"/a", "/a", "/a"}, wantHits: map[string]int64{"/a": 1}},
		{name: "least recently used is evicted", limit: 150, fetches: []string{"/a", "/b", "/a", "/b"},
			wantHits: map[string]int64{"/a": 2, "/b": 2}},
		{name: "different URIs are different entries", limit: 1000, fetches: []string{"/a", "/b", "/b"},
			wantHits: map[string]int64{"/a": 1, "/b": 1}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			for _, h := range srv.hits {
				h.Store(0)
			}
			f := New(Config{CacheDir: filepath.Join(t.TempDir(), "cache"), CacheBytes: tc.limit})
			for _, p := range tc.fetches {
				sandbox := t.TempDir()
				if err := f.Fetch(context.Background(), URI{Value: srv.URL + p, Cache: true}, sandbox); err != nil {
					t.Fatal(err)
				}
				b, err := os.ReadFile(filepath.Join(sandbox, filepath.Base(p)))
				if err != nil || len(b) != 100 {
					t.Fatalf("sandbox copy: %d bytes, %v", len(b), err)
				}
			}
			for p, want := range tc.wantHits {
				if got := srv.hits[p].Load(); got != want {
					t.Errorf("%s requested %d times, want %d", p, got, want)
				}
			}
		})
	}
	srv.CloseClientConnections()
	http.DefaultClient.CloseIdleConnections()
}

func TestCacheConcurrentAndModes(t *testing.T) {
	srv := newServer(t, map[string][]byte{"/tool": []byte("#!/bin/sh\n")})
	f := New(Config{CacheDir: filepath.Join(t.TempDir(), "cache")})
	sandboxes := make([]string, 8)
	errs := make([]error, len(sandboxes))
	var wg sync.WaitGroup
	for i := range sandboxes {
		sandboxes[i] = t.TempDir()
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = f.Fetch(context.Background(), URI{Value: srv.URL + "/tool", Cache: true, Executable: i%2 == 0}, sandboxes[i])
		}()
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		t.Fatal(err)
	}
	if got := srv.hits["/tool"].Load(); got != 2 {
		t.Errorf("%d requests for concurrent cached fetches, want 2 (one per mode)", got)
	}
	for i, sb := range sandboxes {
		fi, err := os.Stat(filepath.Join(sb, "tool"))
		if err != nil {
			t.Fatal(err)
		}
		if exec := fi.Mode().Perm()&0o111 != 0; exec != (i%2 == 0) {
			t.Errorf("sandbox %d: executable %v, want %v (modes must not leak through the cache)", i, exec, i%2 == 0)
		}
	}
	srv.CloseClientConnections()
}
