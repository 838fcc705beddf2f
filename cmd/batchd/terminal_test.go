package main

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/creack/pty"
)

// TestTerminalProgress runs a 2,000-task job as its own process with stderr
// on a pseudo-terminal: the terminal shows a live line for the job that
// reaches 2000/2000, and stdout, a pipe, holds exactly the result lines
// and the summary.
func TestTerminalProgress(t *testing.T) {
	const tasks = 2000
	dir := t.TempDir()
	var input strings.Builder
	var want []string
	for i := range tasks {
		fmt.Fprintf(&input, "%d %d\n", i, i+1)
		want = append(want, fmt.Sprintf("sum of %d %d = %d", i, i+1, 2*i+1))
	}
	want = append(want, fmt.Sprintf("job many: %d tasks finished, total %d", tasks, tasks*tasks))
	numbers := filepath.Join(dir, "numbers.txt")
	if err := os.WriteFile(numbers, []byte(input.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	path := writeConfig(t, fmt.Sprintf(`
[state]
dir = %q

[local]
agents = 2
cpus = 8
mem = "8GiB"

[[job]]
name = "many"
workload = "sum"
cpus = 0.1
mem = "16MiB"

[job.params]
input = %q
`, filepath.Join(dir, "state"), numbers))

	ptmx, tty, err := pty.Open()
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("no pseudo-terminal (CI needs /dev/ptmx for the progress test): %v", err)
		}
		t.Skipf("no pseudo-terminal (/dev/ptmx) on this machine: %v", err)
	}
	defer ptmx.Close()
	if err := pty.Setsize(ptmx, &pty.Winsize{Rows: 40, Cols: 120}); err != nil {
		t.Fatal(err)
	}
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	var stdout syncBuffer
	cmd := exec.Command(exe, "--config", path)
	cmd.Env = append(os.Environ(), envRunAsBatchd+"=1")
	cmd.Stdout, cmd.Stderr = &stdout, tty
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	tty.Close() // batchd holds the terminal now: reading ends when it exits
	screen := make(chan []byte, 1)
	go func() {
		var b bytes.Buffer
		_, err := io.Copy(&b, ptmx)
		if err != nil && !errors.Is(err, syscall.EIO) { // EIO: the terminal's last holder closed it
			fmt.Fprintf(&b, "\nreading the terminal: %v", err)
		}
		screen <- b.Bytes()
	}()
	waited := make(chan error, 1)
	go func() { waited <- cmd.Wait() }()
	var werr error
	select {
	case werr = <-waited:
	case <-time.After(4 * time.Minute):
		cmd.Process.Kill()
		<-waited
		t.Fatalf("batchd did not finish within 4 minutes\nterminal:\n%s", tail(string(<-screen)))
	}
	term := string(<-screen)
	if werr != nil {
		t.Fatalf("batchd: %v\nterminal:\n%s", werr, tail(term))
	}

	final := regexp.MustCompile(`many +\[[=>-]*\] +2000/2000 tasks, 0 failed +\S+/s +ETA done`)
	if !final.MatchString(term) {
		t.Errorf("the terminal shows no line matching %s:\n%s", final, tail(term))
	}
	if !strings.Contains(term, "\x1b[J") {
		t.Errorf("the line is not redrawn in place (no erase sequence):\n%q", tail(term))
	}
	if strings.Contains(term, "msg=progress") || strings.Contains(term, "sum of ") {
		t.Errorf("progress log lines or results on the terminal:\n%s", tail(term))
	}
	if got := sortedLines(stdout.String()); strings.Join(got, "\n") != strings.Join(sortedCopy(want), "\n") {
		t.Errorf("stdout is not exactly the %d result lines and the summary:\n%s", tasks, tail(stdout.String()))
	}
	if !strings.HasSuffix(stdout.String(), want[len(want)-1]+"\n") {
		t.Errorf("the summary is not stdout's last line:\n%s", tail(stdout.String()))
	}
}

// sortedCopy returns lines sorted, as sortedLines sorts stdout.
func sortedCopy(lines []string) []string {
	return sortedLines(strings.Join(lines, "\n"))
}
