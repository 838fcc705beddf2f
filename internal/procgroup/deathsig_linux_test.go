package procgroup

import (
	"os"
	"os/exec"
	"runtime"
	"syscall"
	"testing"
	"time"
)

// TestDeathSignalSurvivesThreadExit shows the parent-death signal's caveat
// and that Start avoids it: a child forked from a thread that exits is
// killed then, one started with Start is not.
func TestDeathSignalSurvivesThreadExit(t *testing.T) {
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
