package procgroup

import (
	"os"

	"golang.org/x/sys/unix"
)

// AwaitExit returns once the child pid has exited, leaving it to be reaped
// (exec.Cmd.Wait then returns at once). It waits in Go's network poller on
// a pidfd, which is readable once the process has exited, instead of in a
// blocking waitid: a goroutine parked in the poller holds no OS thread,
// where one blocked in waitid holds a thread for the task's whole life and
// the runtime hands its processor to another thread and back, at every
// task's start and end. It returns at once where a non-blocking pidfd
// cannot be had (Linux before 5.10), and the caller's Wait blocks as before.
func AwaitExit(pid int) {
	fd, err := unix.PidfdOpen(pid, unix.PIDFD_NONBLOCK)
	if err != nil {
		return
	}
	f := os.NewFile(uintptr(fd), "pidfd")
	defer f.Close()
	rc, err := f.SyscallConn()
	if err != nil {
		return
	}
	rc.Read(func(fd uintptr) bool {
		var info unix.Siginfo // zeroed: still zero after WNOHANG when pid has not exited
		err := unix.Waitid(unix.P_PIDFD, int(fd), &info, unix.WEXITED|unix.WNOHANG|unix.WNOWAIT, nil)
		return err != nil || info.Signo != 0
	})
}
