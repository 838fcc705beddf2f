package main

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// tarGz builds a .tar.gz of entries given as name, body pairs, in order; a
// name of the form "link->target" is a symlink.
func tarGz(t *testing.T, pairs ...string) []byte {
	t.Helper()
	var buf bytes.Buffer
	gz := gzip.NewWriter(&buf)
	tw := tar.NewWriter(gz)
	for i := 0; i+1 < len(pairs); i += 2 {
		name, body := pairs[i], pairs[i+1]
		hdr := &tar.Header{Name: name, Mode: 0o644, Size: int64(len(body)), Typeflag: tar.TypeReg}
		if n, target, ok := strings.Cut(name, "->"); ok {
			hdr = &tar.Header{Name: n, Linkname: target, Typeflag: tar.TypeSymlink, Mode: 0o777}
		}
		if err := tw.WriteHeader(hdr); err != nil {
			t.Fatal(err)
		}
		if hdr.Typeflag == tar.TypeReg {
			if _, err := tw.Write([]byte(body)); err != nil {
				t.Fatal(err)
			}
		}
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	if err := gz.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// TestArtifactsAndArchives stages archives and checksummed artifacts: good
// ones reach the tasks, bad ones fail the job before any task launches.
func TestArtifactsAndArchives(t *testing.T) {
	good := tarGz(t, "numbers/a.txt", "1 2\n3 4\n", "numbers/sub/b.txt", "# more\n5 6\n")
	dir := t.TempDir()
	files := map[string][]byte{
		"numbers.tar.gz": good,
		"tools.tgz":      tarGz(t, "bin/tool.sh", "#!/bin/sh\necho hi\n"),
		"evil.tar.gz":    tarGz(t, "ok.txt", "fine", "../escape.txt", "gotcha"),
		"link.tar.gz":    tarGz(t, "l->sub", "", "l/passwd", "root::0:0"),
		"data.txt":       []byte("payload\n"),
	}
	for name, b := range files {
		if err := os.WriteFile(filepath.Join(dir, name), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	web := httptest.NewServer(http.FileServer(http.Dir(dir)))
	defer web.Close()
	sum := sha256.Sum256(files["data.txt"])
	digest := hex.EncodeToString(sum[:])
	wrong := strings.Repeat("0", 64)

	job := func(params, artifacts string) string {
		return fmt.Sprintf("[[job]]\nname = \"arch\"\nworkload = \"sum\"\ncpus = 0.1\nmem = \"16MiB\"\n%s\n[job.params]\n%s\n", artifacts, params)
	}
	groups := `groups = ["1 1"]`
	tests := []struct {
		name    string
		config  string
		code    int
		wantOut []string
		wantErr []string
	}{
		{
			name:    "archive input: one task per line of every file",
			config:  job(fmt.Sprintf("input = %q", web.URL+"/numbers.tar.gz"), ""),
			wantOut: []string{"sum of 1 2 = 3", "sum of 3 4 = 7", "sum of 5 6 = 11", "job arch: 3 tasks finished, total 21"},
		},
		{
			name:    "archive artifact is checked and extracted on the agent",
			config:  job(groups, fmt.Sprintf("[[job.artifacts]]\nuri = %q\n[[job.artifacts]]\nuri = %q\nchecksum = \"sha256:%s\"", web.URL+"/tools.tgz", web.URL+"/data.txt", digest)),
			wantOut: []string{"job arch: 1 tasks finished, total 2"},
		},
		{
			name:    "archive escaping its folder fails before launch",
			config:  job(groups, fmt.Sprintf("[[job.artifacts]]\nuri = %q", web.URL+"/evil.tar.gz")),
			code:    1,
			wantErr: []string{"evil.tar.gz", `"../escape.txt"`},
		},
		{
			name:    "file written through a symlink fails before launch",
			config:  job(groups, fmt.Sprintf("[[job.artifacts]]\nuri = %q", web.URL+"/link.tar.gz")),
			code:    1,
			wantErr: []string{"link.tar.gz", `"l/passwd"`},
		},
		{
			name:    "checksum mismatch fails before launch",
			config:  job(groups, fmt.Sprintf("[[job.artifacts]]\nuri = %q\nchecksum = \"sha256:%s\"", web.URL+"/data.txt", wrong)),
			code:    1,
			wantErr: []string{"data.txt", wrong, digest},
		},
		{
			name:    "missing artifact names its URI",
			config:  job(groups, fmt.Sprintf("[[job.artifacts]]\nuri = %q", web.URL+"/nope.bin")),
			code:    1,
			wantErr: []string{web.URL + "/nope.bin", "404"},
		},
		{
			name:    "direct artifact reaches the agent unstaged",
			config:  job(groups, fmt.Sprintf("[[job.artifacts]]\nuri = %q\nmode = \"direct\"", web.URL+"/data.txt")),
			wantOut: []string{"job arch: 1 tasks finished, total 2"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, out, errOut := run(t, 2*time.Minute, "--config", writeConfig(t, tt.config))
			if code != tt.code {
				t.Fatalf("exit %d, want %d\nstdout:\n%s\nstderr:\n%s", code, tt.code, out, tail(errOut))
			}
			for _, w := range tt.wantOut {
				if !strings.Contains(out, w) {
					t.Errorf("stdout has no %q:\n%s", w, out)
				}
			}
			for _, w := range tt.wantErr {
				if !strings.Contains(errOut, w) {
					t.Errorf("stderr has no %q:\n%s", w, tail(errOut))
				}
			}
			if tt.code != 0 && strings.Contains(out, "sum of") {
				t.Errorf("a task ran although the job should fail before launch:\n%s", out)
			}
		})
	}
}
