package procgroup

import (
	"bufio"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// envParent makes the test binary act as a parent that starts a shell with
// a child of its own, prints both pids and waits to be killed.
const envParent = "PROCGROUP_TEST_PARENT"

func TestMain(m *testing.M) {
	if os.Getenv(envParent) == "1" {
		cmd := exec.Command("/bin/sh", "-c", "sleep 1e5 & echo $!; echo $$; wait")
		cmd.Stdout = os.Stdout
		if err := Start(cmd); err != nil {
			os.Exit(2)
		}
		select {} // until SIGKILL
	}
	os.Exit(m.Run())
}

// TestSIGKILLedParentLeavesNothing SIGKILLs a process that started a
// shell, which started a child of its own: the shell (parent-death signal
// on Linux, the watchdog elsewhere) and its child (the watchdog) both die.
func TestSIGKILLedParentLeavesNothing(t *testing.T) {
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	parent := exec.Command(exe)
	parent.Env = append(os.Environ(), envParent+"=1")
	out, err := parent.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := parent.Start(); err != nil {
		t.Fatal(err)
	}
	defer parent.Wait()
	defer parent.Process.Kill()
	lines := bufio.NewScanner(out)
	var pids []int
	for len(pids) < 2 && lines.Scan() {
		pid, err := strconv.Atoi(strings.TrimSpace(lines.Text()))
		if err != nil {
			t.Fatalf("parent printed %q", lines.Text())
		}
		pids = append(pids, pid)
	}
	if len(pids) < 2 {
		t.Fatalf("parent printed %d pids, want 2: %v", len(pids), lines.Err())
	}
	parent.Process.Kill()
	for _, pid := range pids {
		if !waitGone(pid, time.Minute) {
			syscall.Kill(pid, syscall.SIGKILL)
			t.Errorf("process %d outlived its SIGKILLed grandparent", pid)
		}
	}
}
