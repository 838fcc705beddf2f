package procgroup

import (
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
