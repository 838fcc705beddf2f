package procgroup

import (
	"errors"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// waitGone polls until pid no longer exists (or is a zombie), for at most d.
func waitGone(pid int, d time.Duration) bool {
	deadline := time.Now().Add(d)
	for time.Now().Before(deadline) {
		if !Alive(pid) {
			return true
		}
		time.Sleep(10 * time.Millisecond)
	}
	return false
}

// TestDoneKillsTheWholeGroup checks that a grandchild dies with its group.
func TestDoneKillsTheWholeGroup(t *testing.T) {
	cmd := exec.Command("sh", "-c", "sleep 100 & echo $!; wait")
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := Start(cmd); err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 32)
	n, _ := out.Read(buf)
	grandchild, err := strconv.Atoi(strings.TrimSpace(string(buf[:n])))
	if err != nil {
		t.Fatalf("reading the grandchild's pid: %v (%q)", err, buf[:n])
	}
	if err := Signal(cmd.Process.Pid, syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	cmd.Wait()
	Done(cmd.Process.Pid)
	if !waitGone(grandchild, time.Minute) {
		t.Fatalf("grandchild %d outlived its group", grandchild)
	}
	if err := Signal(cmd.Process.Pid, syscall.SIGKILL); err == nil {
		t.Error("Signal to a group that is Done succeeded")
	}
}

// TestAwaitExit: AwaitExit returns only once the child has exited, and
// leaves it for Wait to reap, with its exit status.
func TestAwaitExit(t *testing.T) {
	cmd := exec.Command("/bin/sh", "-c", "read x; exit 7")
	in, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	returned := make(chan struct{})
	go func() {
		AwaitExit(cmd.Process.Pid)
		close(returned)
	}()
	select {
	case <-returned:
		t.Fatal("AwaitExit returned while the child was running")
	case <-time.After(200 * time.Millisecond):
	}
	in.Close() // the shell's read ends: it exits 7
	select {
	case <-returned:
	case <-time.After(time.Minute):
		t.Fatal("AwaitExit did not return after the child exited")
	}
	err = cmd.Wait()
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ee.ExitCode() != 7 {
		t.Fatalf("Wait after AwaitExit = %v, want exit status 7", err)
	}
	AwaitExit(cmd.Process.Pid) // reaped: returns at once
}
