package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// TestSlowPostIsCut: a result post sent a byte at a time cannot hold
// batchd's server: the request must be read whole within the server's read
// timeout (shortened here), then the connection is closed.
func TestSlowPostIsCut(t *testing.T) {
	dir := t.TempDir()
	config := writeConfig(t, fmt.Sprintf("[state]\ndir = %q\n\n%s", filepath.Join(dir, "state"),
		testworkJob("w", "wait", 1, 0, fmt.Sprintf("state = %q", dir))))
	var stdout, stderr syncBuffer
	m := NewMain(&stdout, &stderr)
	m.readTimeout = 500 * time.Millisecond
	ctx, cancel := context.WithCancel(context.Background())
	exited := make(chan int, 1)
	go func() { exited <- m.Main(ctx, []string{"--config", config}) }()
	defer func() {
		release(t, dir)
		<-exited
		cancel()
		m.Close()
	}()

	var api apiFile
	if !poll(time.Minute, func() bool {
		raw, err := os.ReadFile(filepath.Join(dir, "state", apiFileName))
		return err == nil && json.Unmarshal(raw, &api) == nil
	}) {
		t.Fatalf("batchd did not start serving\nstderr:\n%s", tail(stderr.String()))
	}
	// The running task's own token, so the collector gets as far as
	// reading the body.
	env := taskEnv(t, "batchd-workload-testwork task wait")
	conn, err := net.Dial("tcp", strings.TrimPrefix(api.URL, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	body := `{"output":1}`
	fmt.Fprintf(conn, "POST /v1/results/%s HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer %s\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n",
		env["BATCHD_TASK_ID"], env["BATCHD_TASK_TOKEN"], len(body))
	start := time.Now()
	cut := make(chan time.Duration, 1)
	var answer strings.Builder
	go func() { // batchd closing the connection ends this read
		io.Copy(&answer, conn)
		cut <- time.Since(start)
	}()
	for i := 0; i < len(body); i++ {
		if _, err := conn.Write([]byte{body[i]}); err != nil {
			break
		}
		select {
		case d := <-cut:
			if d > 5*time.Second || strings.Contains(answer.String(), " 200 ") || strings.Contains(answer.String(), " 403 ") {
				t.Errorf("connection cut after %v with %q; want it cut by the 500ms read timeout", d, answer.String())
			}
			return
		case <-time.After(300 * time.Millisecond):
		}
	}
	select {
	case d := <-cut:
		t.Logf("cut after %v", d)
	case <-time.After(10 * time.Second):
		t.Fatal("a post sent a byte every 300ms was never cut")
	}
}

// taskEnv waits for this process's descendant whose command line holds
// cmdline and returns its environment.
func taskEnv(t *testing.T, cmdline string) map[string]string {
	t.Helper()
	env := map[string]string{}
	ok := poll(time.Minute, func() bool {
		for _, p := range descendants(t, os.Getpid()) {
			if !strings.Contains(p.cmdline, cmdline) {
				continue
			}
			raw, err := os.ReadFile(fmt.Sprintf("/proc/%d/environ", p.pid))
			if err != nil {
				return false
			}
			for _, kv := range strings.Split(string(raw), "\x00") {
				if k, v, ok := strings.Cut(kv, "="); ok {
					env[k] = v
				}
			}
			return env["BATCHD_TASK_TOKEN"] != ""
		}
		return false
	})
	if !ok {
		t.Fatalf("no running %q", cmdline)
	}
	return env
}

// TestFetchRetriesAreLogged: an http input whose server fails twice is
// fetched on the third attempt, and each retry is on batchd's log at its
// default level, naming the attempt, the pause and the error.
func TestFetchRetriesAreLogged(t *testing.T) {
	var calls atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// Only the fetch's GETs fail: validation's check that the input
		// exists (a HEAD) is answered.
		if r.Method == http.MethodGet && calls.Add(1) <= 2 {
			http.Error(w, "busy", http.StatusServiceUnavailable)
			return
		}
		fmt.Fprintln(w, "1 2 3")
	}))
	defer srv.Close()
	config := writeConfig(t, "[fetchers.http]\nbackoff = \"10ms\"\n"+
		sumConfig(filepath.Join(t.TempDir(), "state"), fmt.Sprintf("input = %q", srv.URL+"/in.txt"), ""))
	code, out, errOut := run(t, time.Minute, "--config", config)
	if code != 0 || !strings.Contains(out, "sum of 1 2 3 = 6") {
		t.Fatalf("exit %d\nstdout:\n%s\nstderr:\n%s", code, out, tail(errOut))
	}
	if n := strings.Count(errOut, "attempt failed; retrying"); n != 2 {
		t.Errorf("%d retry lines on the log, want 2:\n%s", n, tail(errOut))
	}
	for _, want := range []string{"attempt=1", "attempt=2", "503"} {
		if !strings.Contains(errOut, want) {
			t.Errorf("the log does not say %q:\n%s", want, tail(errOut))
		}
	}
}

// TestRunFoldersCleaned: the embedded cluster's working folder (sandboxes,
// fetch cache) goes when batchd ends, and one left by a killed batchd goes
// on the next run: running a job many times does not fill the disk.
func TestRunFoldersCleaned(t *testing.T) {
	state := filepath.Join(t.TempDir(), "state")
	left := filepath.Join(state, "runs", "20200101T000000.000000000", "cluster")
	if err := os.MkdirAll(left, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(left, "cached"), make([]byte, 1<<20), 0o644); err != nil {
		t.Fatal(err)
	}
	config := writeConfig(t, sumConfig(state, `groups = ["1 2 3"]`, ""))
	for i := range 2 {
		if code, out, errOut := run(t, time.Minute, "--config", config, "--fresh"); code != 0 {
			t.Fatalf("run %d: exit %d\nstdout:\n%s\nstderr:\n%s", i+1, code, out, tail(errOut))
		}
		if _, err := os.Stat(filepath.Join(state, "runs")); !os.IsNotExist(err) {
			entries, _ := os.ReadDir(filepath.Join(state, "runs"))
			t.Errorf("run %d: runs folder left behind: %v", i+1, entries)
		}
	}
}

// TestArgumentTooLong: a group whose number no command line can carry
// (300,000 digits) fails the job at plan time, naming the OS limit, with
// nothing launched and retried.
func TestArgumentTooLong(t *testing.T) {
	huge := strings.Repeat("7", 300000)
	config := writeConfig(t, sumConfig(filepath.Join(t.TempDir(), "state"), fmt.Sprintf(`groups = ["1 2", "%s 1"]`, huge), ""))
	code, out, errOut := run(t, time.Minute, "--config", config)
	if code != 1 || !strings.Contains(errOut, "300000 bytes; the OS executes at most 131071 bytes per argument (MAX_ARG_STRLEN)") {
		t.Fatalf("exit %d, want 1 naming the limit\nstdout:\n%s\nstderr:\n%s", code, out, tail(errOut))
	}
	if strings.Contains(out, "sum of") || strings.Contains(errOut, "retrying") {
		t.Errorf("a task ran or was retried:\nstdout:\n%s\nstderr:\n%s", out, tail(errOut))
	}
}
