package main

import (
	"crypto/sha256"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/batchd/batchd/internal/ftptest"
	"github.com/batchd/batchd/internal/mesoskit"
)

// entry is how testwork's "ls" mode lists a sandbox file.
func entry(path string, perm os.FileMode, body string) string {
	sum := sha256.Sum256([]byte(body))
	return fmt.Sprintf("%s:%o:%d:%x", path, perm, len(body), sum[:4])
}

// lsJob is a testwork job whose tasks list their sandboxes, with artifacts.
func lsJob(name string, tasks int, artifacts string) string {
	return testworkJob(name, "ls", tasks, 0, artifacts)
}

// recordingServer serves files from a map and records the requests' paths
// and User-Agent headers.
type recordingServer struct {
	*httptest.Server
	mu   sync.Mutex
	seen []string // "GET /path agent"
}

func newRecordingServer(t *testing.T, files map[string]string) *recordingServer {
	s := &recordingServer{}
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		s.seen = append(s.seen, r.Method+" "+r.URL.Path+" "+r.UserAgent())
		s.mu.Unlock()
		body, ok := files[r.URL.Path]
		if !ok {
			http.NotFound(w, r)
			return
		}
		http.ServeContent(w, r, r.URL.Path, time.Time{}, strings.NewReader(body))
	}))
	t.Cleanup(s.Close)
	return s
}

func (s *recordingServer) requests() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.seen...)
}

// testRealArtifacts stages artifacts through batchd's artifact server and has
// the real Mesos fetcher put them into the sandboxes with extract,
// executable, output_file and cache.
func testRealArtifacts(t *testing.T, c *mesoskit.Cluster) {
	const script = "#!/bin/sh\necho hi\n"
	const data = "payload for the cache\n"
	files := map[string]string{
		"/tools.tgz": string(tarGz(t, "tools/bin/tool.sh", script, "tools/etc/conf.txt", "k=v\n")),
		"/kept.tgz":  string(tarGz(t, "never/extracted.txt", "x")),
		"/hello.sh":  script,
		"/data.txt":  data,
	}
	web := newRecordingServer(t, files)
	artifacts := fmt.Sprintf(`
[[job.artifacts]]
uri = "%[1]s/tools.tgz"
[[job.artifacts]]
uri = "%[1]s/kept.tgz"
extract = false
[[job.artifacts]]
uri = "%[1]s/hello.sh"
executable = true
output_file = "run-me"
[[job.artifacts]]
uri = "%[1]s/data.txt"
output_file = "renamed.txt"
cache = true
`, web.URL)
	out, _ := runOK(t, 2*time.Minute, "--config", realConfig(t, c, "e2e-artifacts", lsJob("arts", 4, artifacts)))
	wantLines(t, "stdout", out, "job arts: 4 tasks finished, reduced 4")
	// The Mesos fetcher keeps an extracted archive next to what it extracted,
	// so tools.tgz is in the sandbox too.
	for i := 0; i < 4; i++ {
		line := lineWithPrefix(out, fmt.Sprintf("ls %d: ", i))
		for _, want := range []string{
			entry("tools/bin/tool.sh", 0o644, script), // tar modes kept: tarGz writes 0644
			entry("tools/etc/conf.txt", 0o644, "k=v\n"),
			entry("run-me", 0o755, script),
			entry("renamed.txt", 0o644, data),
		} {
			if !strings.Contains(line, want) {
				t.Errorf("task %d's sandbox has no %s: %s", i, want, line)
			}
		}
		if !strings.Contains(line, "kept.tgz:") || strings.Contains(line, "never/extracted.txt") {
			t.Errorf("task %d: kept.tgz (extract = false) should arrive as it is: %s", i, line)
		}
	}
	// batchd staged each artifact once; the agents fetched them from batchd.
	for _, r := range web.requests() {
		if strings.HasPrefix(r, "GET /") && !strings.Contains(r, "Go-http-client") {
			t.Errorf("the web server was asked %q by something other than batchd's http fetcher", r)
		}
	}
	if c.External() {
		return
	}
	// cache = true: the agents' fetcher caches hold data.txt, not the uncached ones.
	var cached []string
	for _, a := range c.Agents() {
		matches, _ := filepath.Glob(filepath.Join(a.WorkDir, "fetch-cache", "*", "*"))
		for _, m := range matches {
			b, err := os.ReadFile(m)
			if err != nil {
				t.Fatal(err)
			}
			switch string(b) {
			case data:
				cached = append(cached, "data")
			case script, files["/tools.tgz"]:
				t.Errorf("%s holds an artifact without cache = true", m)
			}
		}
	}
	if len(cached) == 0 {
		t.Errorf("no agent's fetcher cache holds data.txt (cache = true)")
	}
}

// lineWithPrefix returns the line of text starting with prefix, or "".
func lineWithPrefix(text, prefix string) string {
	for _, l := range strings.Split(text, "\n") {
		if strings.HasPrefix(l, prefix) {
			return l
		}
	}
	return ""
}

// testRealDirect hands URIs to the Mesos fetcher unstaged: http from a test
// server and ftp from vsftpd, which libcurl in the Mesos fetcher downloads,
// and hdfs, which needs a hadoop client the agent lacks.
func testRealDirect(t *testing.T, c *mesoskit.Cluster) {
	const body = "direct bytes\n"
	web := newRecordingServer(t, map[string]string{"/direct.txt": body})
	ftp := ftptest.StartVsftpd(t, ftptest.Options{})
	ftp.WriteFile(t, "pub/ftp.txt", []byte("over ftp\n"))

	t.Run("http and ftp", func(t *testing.T) {
		artifacts := fmt.Sprintf(`
[[job.artifacts]]
uri = "%s/direct.txt"
mode = "direct"
[[job.artifacts]]
uri = %q
mode = "direct"
output_file = "from-ftp.txt"
`, web.URL, ftp.URL("ftp", "pub/ftp.txt"))
		out, _ := runOK(t, 2*time.Minute, "--config", realConfig(t, c, "e2e-direct", lsJob("direct", 2, artifacts)))
		wantLines(t, "stdout", out, "job direct: 2 tasks finished, reduced 2")
		for i := 0; i < 2; i++ {
			line := lineWithPrefix(out, fmt.Sprintf("ls %d: ", i))
			for _, want := range []string{entry("direct.txt", 0o644, body), entry("from-ftp.txt", 0o644, "over ftp\n")} {
				if !strings.Contains(line, want) {
					t.Errorf("task %d's sandbox has no %s: %s", i, want, line)
				}
			}
		}
		// Only the agents' fetcher asked: batchd's http fetcher never saw the URI.
		reqs := web.requests()
		if len(reqs) == 0 {
			t.Errorf("the web server saw no request")
		}
		for _, r := range reqs {
			if strings.Contains(r, "Go-http-client") {
				t.Errorf("batchd fetched a direct URI itself: %q", r)
			}
		}
	})

	t.Run("hdfs without a hadoop client", func(t *testing.T) {
		uri := "hdfs://127.0.0.1:1/data/numbers.txt"
		artifacts := fmt.Sprintf("[[job.artifacts]]\nuri = %q\nmode = \"direct\"\n", uri)
		code, out, errOut := run(t, 2*time.Minute, "--config", realConfig(t, c, "e2e-hdfs", lsJob("hdfs", 1, artifacts)))
		if code != 1 {
			t.Fatalf("exit %d, want 1\nstdout:\n%s\nstderr:\n%s", code, out, tail(errOut))
		}
		wantLines(t, "stdout", out, "job hdfs: 1 of 1 tasks failed")
		wantLines(t, "stderr", errOut, uri)
	})
}
