// Package procgroup starts child processes that do not outlive this one.
//
// Every process started with Start leads its own process group, so a
// signal to the group reaches whatever it forked, and a terminal's Ctrl-C
// reaches only this process, which then decides how its children stop. On
// Linux each child also gets a parent-death signal (SIGKILL): if this
// process dies, even by SIGKILL, the kernel kills its direct children.
//
// The parent-death signal fires when the OS thread that forked the child
// exits, not when the process does. Go may start a child from any thread,
// and it ends a thread when a goroutine locked to it (runtime.LockOSThread)
// returns without unlocking. Start therefore forks from goroutines locked
// to threads that live as long as the process: they never return.
//
// The parent-death signal does not reach grandchildren, and other systems
// have none. So the first Start also starts a watchdog: a detached /bin/sh
// that keeps the list of live groups (Start adds, Done removes) from a pipe
// whose write end only this process holds. However this process ends,
// SIGKILL included, the pipe closes and the watchdog kills every group
// left, grandchildren and all, on any Unix. If /bin/sh cannot be started,
// WatchdogErr says so and only the parent-death signal remains. While this
// process lives, Done and KillAll kill whole groups themselves.
package procgroup

import (
	"errors"
	"os/exec"
	"runtime"
	"sync"
	"syscall"
)

var (
	// starting is read-held while a child is started and recorded, and
	// write-held by KillAll, so no start slips past it.
	starting sync.RWMutex
	mu       sync.Mutex
	groups   = map[int]bool{} // process groups started and not yet Done
)

// Start starts cmd as the leader of a new process group, with a
// parent-death signal where the system has one, and records the group
// (its id is cmd.Process.Pid) until Done. cmd.SysProcAttr, if set, is kept
// apart from those two fields.
func Start(cmd *exec.Cmd) error {
	if cmd.SysProcAttr == nil {
		cmd.SysProcAttr = &syscall.SysProcAttr{}
	}
	cmd.SysProcAttr.Setpgid = true
	cmd.SysProcAttr.Pgid = 0
	setDeathSignal(cmd.SysProcAttr)
	spawnOnce.Do(startSpawners)
	req := spawnReq{cmd: cmd, done: make(chan error, 1)}
	spawns <- req
	return <-req.done
}

// Signal sends sig to the process group pgid, if it is still recorded (a
// group that is Done may have been reused by an unrelated process).
func Signal(pgid int, sig syscall.Signal) error {
	mu.Lock()
	defer mu.Unlock()
	if !groups[pgid] {
		return errors.New("procgroup: no such group")
	}
	return syscall.Kill(-pgid, sig)
}

// Done kills whatever is left of the group pgid with SIGKILL and forgets
// it. Call it once the group's leader has been waited for.
func Done(pgid int) {
	mu.Lock()
	defer mu.Unlock()
	if groups[pgid] {
		syscall.Kill(-pgid, syscall.SIGKILL)
		delete(groups, pgid)
		tellWatchdog('-', pgid)
	}
}

// KillAll sends SIGKILL to every group started and not Done, for a
// process about to exit in a hurry. Starts under way finish first and are
// killed too; later calls to Start block, as the process is about to exit.
func KillAll() {
	starting.Lock() // never unlocked
	mu.Lock()
	defer mu.Unlock()
	for pgid := range groups {
		syscall.Kill(-pgid, syscall.SIGKILL)
	}
}

// SpawnerFunc names the function of the goroutines Start runs for the life
// of the process, for goroutine leak checks to ignore
// (goleak.IgnoreTopFunction(procgroup.SpawnerFunc)).
const SpawnerFunc = "github.com/batchd/batchd/internal/procgroup.spawner"

// spawnReq asks a spawner to start cmd.
type spawnReq struct {
	cmd  *exec.Cmd
	done chan error
}

var (
	spawnOnce sync.Once
	spawns    = make(chan spawnReq)
)

// startSpawners starts one spawner per CPU Go may use (at least two), so
// starts do not queue behind one another more than they would without.
func startSpawners() {
	mu.Lock()
	startWatchdog()
	mu.Unlock()
	n := max(runtime.GOMAXPROCS(0), 2)
	for range n {
		go spawner()
	}
}

// spawner starts the commands it is sent from its own OS thread, which it
// never releases and never leaves: the thread lives as long as the process,
// so the parent-death signal of the children it forked fires only when the
// process dies.
func spawner() {
	runtime.LockOSThread()
	for req := range spawns {
		starting.RLock()
		err := req.cmd.Start()
		if err == nil {
			mu.Lock()
			groups[req.cmd.Process.Pid] = true
			tellWatchdog('+', req.cmd.Process.Pid)
			mu.Unlock()
		}
		starting.RUnlock()
		req.done <- err
	}
}

// Alive reports whether process pid exists and is not a zombie.
func Alive(pid int) bool {
	if syscall.Kill(pid, 0) != nil {
		return false
	}
	return !zombie(pid)
}
