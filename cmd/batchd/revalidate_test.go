package main

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/batchd/batchd/internal/ftptest"
	"github.com/batchd/batchd/internal/hdfstest"
)

// TestChangedInputGivesNewResult runs the same config three times, with the
// input unchanged and then changed between the runs, for each way batchd can
// tell: a file's metadata or content, an HTTP ETag, Last-Modified, or no
// validator at all (fetched every run). The finished job is not run again
// while its input is unchanged; a changed input runs it anew.
func TestChangedInputGivesNewResult(t *testing.T) {
	hourAgo := time.Now().Add(-time.Hour)
	tests := []struct {
		name string
		// serve says how the HTTP source answers; nil means a local file.
		etag     bool
		modified bool
		http     bool
		fileURI  bool
		// GETs of the input over the three runs (HTTP only).
		wantGets int32
	}{
		{name: "plain path"},
		{name: "file URI", fileURI: true},
		{name: "http with ETag", http: true, etag: true, wantGets: 2},
		{name: "http with Last-Modified", http: true, modified: true, wantGets: 2},
		{name: "http without validators", http: true, wantGets: 3},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			input := filepath.Join(dir, "in.txt")
			var (
				mu      sync.Mutex
				content = "1 2 3\n"
				version = 1
				gets    atomic.Int32
			)
			set := func(s string) {
				mu.Lock()
				defer mu.Unlock()
				content, version = s, version+1
				if err := os.WriteFile(input, []byte(s), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			set(content)
			uri := input
			if tt.fileURI {
				uri = "file://" + input
			}
			if tt.http {
				srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
					mu.Lock()
					body, v := content, version
					mu.Unlock()
					if tt.etag {
						w.Header().Set("ETag", fmt.Sprintf(`"v%d"`, v))
					}
					var mod time.Time
					if tt.modified {
						mod = hourAgo.Add(time.Duration(v) * time.Minute)
					}
					rec := &countingWriter{ResponseWriter: w}
					http.ServeContent(rec, r, "in.txt", mod, strings.NewReader(body))
					if r.Method == http.MethodGet && rec.status == http.StatusOK {
						gets.Add(1)
					}
				}))
				defer srv.Close()
				uri = srv.URL + "/in.txt"
			}
			path := writeConfig(t, sumConfig(filepath.Join(dir, "state"), fmt.Sprintf("input = %q", uri), ""))
			for i, step := range []struct{ change, want string }{
				{"", "sum of 1 2 3 = 6"},
				{"", "job s: 1 tasks finished, total 6"}, // unchanged: the stored result, not run again
				{"10 20 30\n", "sum of 10 20 30 = 60"},
			} {
				if step.change != "" {
					set(step.change)
				}
				code, out, errOut := run(t, 2*time.Minute, "--config", path)
				if code != 0 || !strings.Contains(out, step.want) {
					t.Fatalf("run %d: exit %d, stdout:\n%s\nwant %q\nstderr:\n%s", i+1, code, out, step.want, errOut)
				}
			}
			if tt.http && gets.Load() != tt.wantGets {
				t.Errorf("the server sent the input %d times over three runs, want %d", gets.Load(), tt.wantGets)
			}
		})
	}
}

// sumConfig is a config body keeping its state in state, with one sum job
// "s" whose [job.params] are params (TOML lines) followed by extra (TOML
// tables of the job, such as [[job.artifacts]]).
func sumConfig(state, params, extra string) string {
	return fmt.Sprintf("[state]\ndir = %q\n[[job]]\nname = \"s\"\nworkload = \"sum\"\ncpus = 0.1\nmem = \"16MiB\"\n[job.params]\n%s\n%s",
		state, params, extra)
}

type countingWriter struct {
	http.ResponseWriter
	status int
}

func (c *countingWriter) WriteHeader(code int) {
	c.status = code
	c.ResponseWriter.WriteHeader(code)
}

// TestChecksumPinsArtifact: a checksum picks the stored bytes whatever the
// source serves now; a new checksum after the source changed fetches the new
// bytes instead of reporting a mismatch against the stale copy; a checksum
// that the fresh bytes do not match is reported naming both digests.
func TestChecksumPinsArtifact(t *testing.T) {
	var (
		mu   sync.Mutex
		body = "tool v1"
		gets atomic.Int32
	)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		b := body
		mu.Unlock()
		gets.Add(1)
		w.Header().Set("Cache-Control", "no-store") // no validators: only the checksum can spare a fetch
		fmt.Fprint(w, b)
	}))
	defer srv.Close()
	dir := t.TempDir()
	config := func(checksum string) string {
		return writeConfig(t, sumConfig(filepath.Join(dir, "state"), `groups = ["1 2"]`,
			fmt.Sprintf("[[job.artifacts]]\nuri = \"%s/tool.bin\"\nchecksum = %q\n", srv.URL, checksum)))
	}
	v1, v2, v3 := sha256Hex("tool v1"), sha256Hex("tool v2"), sha256Hex("tool v3")
	steps := []struct {
		name     string
		serve    string
		checksum string
		wantCode int
		wantGets int32
		wantErr  []string
	}{
		{name: "first run", serve: "tool v1", checksum: v1, wantCode: 0, wantGets: 1},
		{name: "source changed, old checksum: stored bytes", serve: "tool v2", checksum: v1, wantCode: 0, wantGets: 1},
		{name: "new checksum: fetched again", serve: "tool v2", checksum: v2, wantCode: 0, wantGets: 2},
		{name: "checksum the fresh bytes miss", serve: "tool v2", checksum: v3, wantCode: 1, wantGets: 3,
			wantErr: []string{"checksum mismatch", "expected sha256:" + v3, "got sha256:" + v2, "/tool.bin"}},
	}
	for _, st := range steps {
		mu.Lock()
		body = st.serve
		mu.Unlock()
		code, out, errOut := run(t, 2*time.Minute, "--config", config("sha256:"+st.checksum))
		if code != st.wantCode || gets.Load() != st.wantGets {
			t.Fatalf("%s: exit %d after %d fetches, want %d after %d\nstdout:\n%s\nstderr:\n%s", st.name, code, gets.Load(), st.wantCode, st.wantGets, out, errOut)
		}
		for _, w := range st.wantErr {
			if !strings.Contains(errOut, w) {
				t.Errorf("%s: stderr has no %q:\n%s", st.name, w, errOut)
			}
		}
	}
}

// TestRebuiltTaskProgramIsPickedUp rebuilds the workload plugin, whose own
// binary is the task program it stages from a path, between two runs.
func TestRebuiltTaskProgramIsPickedUp(t *testing.T) {
	plugins := t.TempDir()
	buildTestwork := func(b string) {
		t.Helper()
		cmd := exec.Command("go", "build", "-ldflags", "-X main.build="+b, "-o", filepath.Join(plugins, "batchd-workload-testwork"), "./testdata/testwork")
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		if err := cmd.Run(); err != nil {
			t.Fatalf("building testwork: %v\n%s", err, stderr.String())
		}
	}
	state := filepath.Join(t.TempDir(), "state")
	path := writeConfig(t, fmt.Sprintf(`
[state]
dir = %q
[[job]]
name = "tw"
workload = "testwork"
cpus = 0.1
mem = "16MiB"
[job.params]
mode = "build"
`, state))
	// The rebuilt plugin's folder comes first.
	cfg, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	cfg = bytes.Replace(cfg, []byte("dirs = ["), []byte(fmt.Sprintf("dirs = [%q, ", plugins)), 1)
	if err := os.WriteFile(path, cfg, 0o644); err != nil {
		t.Fatal(err)
	}
	for _, b := range []string{"1", "2"} {
		buildTestwork(b)
		code, out, errOut := run(t, 2*time.Minute, "--config", path)
		if want := "testwork 0 is build " + b; code != 0 || !strings.Contains(out, want) {
			t.Fatalf("build %s: exit %d, stdout:\n%s\nwant %q\nstderr:\n%s", b, code, out, want, errOut)
		}
	}
}

// sha256Hex is the lower-case hex SHA-256 of s.
func sha256Hex(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:])
}

// TestChangedInputOverFTPAndHDFS runs the same config three times with the
// input on a real FTP server and on the HDFS test server, unchanged and then
// changed between runs, and counts the transfers: none while the source is
// unchanged (SIZE and MDTM, or the namenode's length and mtime, say so).
func TestChangedInputOverFTPAndHDFS(t *testing.T) {
	hourAgo := time.Now().Add(-time.Hour)
	ftp := ftptest.Start(t, ftptest.Options{})
	hdfs := hdfstest.Start(t, hdfstest.Options{Datanodes: 1, BlockSize: 1 << 20})
	passFile := filepath.Join(t.TempDir(), "ftp-password")
	if err := os.WriteFile(passFile, []byte(ftp.Password+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name      string
		uri       string
		settings  string
		set       func(t *testing.T, content string, mtime time.Time)
		transfers func(t *testing.T) int
	}{
		{
			name:     "ftp",
			uri:      ftp.URL("ftp", "data/in.txt"),
			settings: fmt.Sprintf("[fetchers.ftp]\nuser = %q\npassword_file = %q\n", ftp.User, passFile),
			set: func(t *testing.T, content string, mtime time.Time) {
				ftp.WriteFile(t, "data/in.txt", []byte(content))
				ftp.SetModTime(t, "data/in.txt", mtime)
			},
			transfers: func(t *testing.T) int {
				n := 0
				for _, c := range ftptest.Commands(ftp.Log(t)) {
					if strings.HasPrefix(c, "RETR ") {
						n++
					}
				}
				return n
			},
		},
		{
			name:     "hdfs",
			uri:      "hdfs://" + hdfs.Addr() + "/data/in.txt",
			settings: "[fetchers.hdfs]\nuser = \"hdfs\"\n",
			set: func(t *testing.T, content string, mtime time.Time) {
				if err := hdfs.Put("/data/in.txt", []byte(content), 0o644); err != nil {
					t.Fatal(err)
				}
				if err := hdfs.SetModTime("/data/in.txt", mtime); err != nil {
					t.Fatal(err)
				}
			},
			transfers: func(*testing.T) int { return int(hdfs.BlockReads()) },
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.set(t, "1 2 3\n", hourAgo)
			path := writeConfig(t, tt.settings+sumConfig(filepath.Join(t.TempDir(), "state"), fmt.Sprintf("input = %q", tt.uri), ""))
			before := tt.transfers(t)
			for i, step := range []struct {
				change        string
				want          string
				wantTransfers int // since the first run started
			}{
				{"", "sum of 1 2 3 = 6", 1},
				{"", "job s: 1 tasks finished, total 6", 1}, // unchanged: the stored result, not run again
				{"10 20 30\n", "sum of 10 20 30 = 60", 2},
			} {
				if step.change != "" {
					tt.set(t, step.change, hourAgo.Add(time.Minute))
				}
				code, out, errOut := run(t, 2*time.Minute, "--config", path)
				if code != 0 || !strings.Contains(out, step.want) {
					t.Fatalf("run %d: exit %d, stdout:\n%s\nwant %q\nstderr:\n%s", i+1, code, out, step.want, tail(errOut))
				}
				if got := tt.transfers(t) - before; got != step.wantTransfers {
					t.Errorf("after run %d: %d transfers of the input, want %d", i+1, got, step.wantTransfers)
				}
			}
		})
	}
}

// TestImmutableArtifactIsNotRevalidated: cache = "immutable" reuses the copy
// staged on an earlier run without asking the source at all.
func TestImmutableArtifactIsNotRevalidated(t *testing.T) {
	var requests atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		requests.Add(1)
		w.Header().Set("ETag", `"v1"`)
		fmt.Fprint(w, "release 1.0")
	}))
	defer srv.Close()
	path := writeConfig(t, sumConfig(filepath.Join(t.TempDir(), "state"), `groups = ["1 2"]`,
		fmt.Sprintf("[[job.artifacts]]\nuri = \"%s/tool-1.0.bin\"\ncache = \"immutable\"\n", srv.URL)))
	for i := 1; i <= 2; i++ {
		code, out, errOut := run(t, 2*time.Minute, "--config", path)
		if code != 0 || requests.Load() != 1 {
			t.Fatalf("run %d: exit %d after %d requests, want 0 after 1\nstdout:\n%s\nstderr:\n%s", i, code, requests.Load(), out, tail(errOut))
		}
	}
}
