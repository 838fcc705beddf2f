package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"regexp"
	"strings"
	"testing"
	"time"
)

// startLocalCluster runs `batchd local-cluster` in this process until the
// test ends and returns its master URL. extra are more flags.
func startLocalCluster(t *testing.T, extra ...string) string {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	pr, pw := io.Pipe()
	var stderr syncBuffer
	lc := NewMain(pw, &stderr)
	exited := make(chan int, 1)
	go func() {
		args := []string{"local-cluster", "--listen", "127.0.0.1:0", "--agents", "2", "--work-dir", t.TempDir()}
		code := lc.Main(ctx, append(args, extra...))
		lc.Close()
		pw.Close()
		exited <- code
	}()
	t.Cleanup(func() {
		cancel()
		if t.Failed() {
			t.Logf("local-cluster's log:\n%s", stderr.String())
		}
		if code := <-exited; code != 0 {
			t.Errorf("local-cluster exited %d\nstderr:\n%s", code, stderr.String())
		}
	})
	line, err := bufio.NewReader(pr).ReadString('\n')
	if err != nil {
		t.Fatalf("reading the local cluster's banner: %v\nstderr:\n%s", err, stderr.String())
	}
	go io.Copy(io.Discard, pr)
	master := regexp.MustCompile(`http://127\.0\.0\.1:\d+`).FindString(line)
	if master == "" {
		t.Fatalf("no master URL in %q", line)
	}
	return master
}

// TestStandaloneLocalCluster runs `batchd local-cluster` on its own and
// points a second batchd at it as at a real Mesos master.
func TestStandaloneLocalCluster(t *testing.T) {
	master := startLocalCluster(t)
	path := writeConfig(t, fmt.Sprintf(`
[cluster]
master = %q
framework = "standalone-test"

[[job]]
name = "remote"
workload = "sum"
cpus = 0.1
mem = "16MiB"
[job.params]
groups = ["1 2 3", "10 20"]
`, master))
	code, out, errOut := run(t, time.Minute, "--config", path)
	if code != 0 {
		t.Fatalf("exit %d\nstdout:\n%s\nstderr:\n%s", code, out, errOut)
	}
	if !strings.Contains(out, "job remote: 2 tasks finished, total 36") {
		t.Errorf("stdout:\n%s", out)
	}
	if strings.Contains(errOut, "embedded cluster started") {
		t.Errorf("batchd started an embedded cluster although a master was configured")
	}
}
