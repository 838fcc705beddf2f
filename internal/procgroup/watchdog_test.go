package procgroup

import (
	"bufio"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
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

// TestWatchdogKillsOnlyLiveGroups runs the watchdog's script on a pipe:
// of two groups announced with "+", the one withdrawn with "-" survives
// the end of its input, the other is killed, and a malformed line is
// ignored rather than run.
func TestWatchdogKillsOnlyLiveGroups(t *testing.T) {
	group := func() int {
		cmd := exec.Command("sleep", "1e5")
		cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() {
			cmd.Process.Kill()
			cmd.Wait()
		})
		return cmd.Process.Pid
	}
	live, done := group(), group()
	marker := filepath.Join(t.TempDir(), "ran")
	dog := exec.Command("/bin/sh", "-c", watchdogScript)
	dog.Stdin = strings.NewReader(fmt.Sprintf("+%d\n+%d\n-%d\n+1;touch %s\n", live, done, done, marker))
	if out, err := dog.CombinedOutput(); err != nil {
		t.Fatalf("watchdog: %v: %s", err, out)
	}
	if !waitGone(live, 10*time.Second) {
		t.Errorf("group %d, live when the input ended, was not killed", live)
	}
	if !Alive(done) {
		t.Errorf("group %d, withdrawn before the input ended, was killed", done)
	}
	if _, err := os.Stat(marker); err == nil {
		t.Error("a malformed line was run")
	}
}
