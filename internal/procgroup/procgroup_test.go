package procgroup

import (
	"os"
	"os/exec"
	"runtime"
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

// TestDeathSignalSurvivesThreadExit shows the parent-death signal's caveat
// and that Start avoids it: a child forked from a thread that exits is
// killed then, one started with Start is not.
func TestDeathSignalSurvivesThreadExit(t *testing.T) {
	if runtime.GOOS != "linux" {
		t.Skip("parent-death signals are Linux only")
	}
	plain := exec.Command("sleep", "100")
	plain.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	ours := exec.Command("sleep", "100")
	errs := make(chan error, 2)
	for {
		onMain := make(chan bool)
		go func() {
			runtime.LockOSThread() // never unlocked: the thread exits with the goroutine
			if syscall.Gettid() == os.Getpid() {
				onMain <- true // Go never ends the main thread, it parks it: try again
				return
			}
			onMain <- false
			errs <- plain.Start()
			errs <- Start(ours)
		}()
		if !<-onMain {
			break
		}
	}
	for range 2 {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
	defer func() {
		Done(ours.Process.Pid)
		ours.Wait()
	}()
	// The plain child's death tells that the forking thread has exited.
	waitErr := make(chan error, 1)
	go func() { waitErr <- plain.Wait() }()
	select {
	case <-waitErr:
	case <-time.After(time.Minute):
		plain.Process.Kill()
		t.Fatal("the child forked from an exiting thread was not killed: has Go stopped ending locked threads?")
	}
	if !Alive(ours.Process.Pid) {
		t.Fatal("the child started with Start died with the thread that asked for it")
	}
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
