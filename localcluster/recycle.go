package localcluster

import (
	"errors"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"sync"
	"syscall"

	"golang.org/x/sys/unix"
)

// Sandbox recycling. With RemoveFinishedSandboxes, a finished task's
// sandbox (executors/<task>/runs/<run>, holding stdout, stderr and what the
// task left) stays where it is, readable through the files API as Mesos
// keeps sandboxes for a while, and is parked: the agent's next task renames
// its executor folder and its run folder into place instead of creating
// three folders and two files, and only then clears out what the last task
// left. On ext4, creating and freeing inodes at a task's pace was the
// largest share of the embedded cluster's CPU time (the inode allocator
// skips recently freed inodes one by one); renames allocate none, and
// parking costs no system call at all. A task still gets an empty sandbox
// with empty stdout and stderr files: they are truncated when opened for
// it (command).

// maxSpares bounds the parked sandboxes per agent: enough for every task of
// a busy agent to find one, few enough that Close has little to remove.
const maxSpares = 64

// spares are an agent's parked sandboxes, each where its task ran.
type spares struct {
	mu   sync.Mutex
	free []string // parked sandboxes
}

// take returns a parked sandbox, or "" when there is none.
func (s *spares) take() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.free) == 0 {
		return ""
	}
	d := s.free[len(s.free)-1]
	s.free = s.free[:len(s.free)-1]
	return d
}

// park adds sandbox to the pool; false when the pool is full.
func (s *spares) park(sandbox string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.free) >= maxSpares {
		return false
	}
	s.free = append(s.free, sandbox)
	return true
}

// drain empties the pool and returns what it held.
func (s *spares) drain() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	d := s.free
	s.free = nil
	return d
}

// makeSandbox creates the folder a task's run executes in, from a parked
// sandbox when the agent has one.
func (a *agent) makeSandbox(fwID, taskID, runID string) (string, error) {
	sandbox := a.sandbox(fwID, taskID, runID)
	if spare := a.spares.take(); spare != "" {
		if reuse(spare, sandbox) {
			return sandbox, nil
		}
		removeSandbox(nil, spare)
	}
	return sandbox, os.MkdirAll(sandbox, 0o755)
}

// reuse clears the parked sandbox spare down to its stdout and stderr
// files, then renames its executor folder to sandbox's and its run folder to
// sandbox. It fails, leaving spare to be removed, when another run shares
// spare's executor folder, a run of sandbox's task holds sandbox's, or
// something in spare resists.
func reuse(spare, sandbox string) bool {
	runs := filepath.Dir(sandbox)
	exec := filepath.Dir(runs)
	oldRuns := filepath.Dir(spare)
	oldExec := filepath.Dir(oldRuns)
	if oldExec == exec || !clearSandbox(spare) {
		return false
	}
	if others, _, err := readDir(oldRuns); err != nil || len(others) != 1 {
		return false
	}
	if os.MkdirAll(filepath.Dir(exec), 0o755) != nil || renameNew(oldExec, exec) != nil {
		return false
	}
	if renameNew(filepath.Join(runs, filepath.Base(spare)), sandbox) != nil {
		os.RemoveAll(exec)
		return false
	}
	return true
}

// clearSandbox removes everything in sandbox but its stdout and stderr files, and
// gives the folder back its mode if the last task changed it.
func clearSandbox(sandbox string) bool {
	entries, fi, err := readDir(sandbox)
	if err != nil {
		return false
	}
	if fi.Mode().Perm() != 0o755 && os.Chmod(sandbox, 0o755) != nil {
		return false
	}
	for _, e := range entries {
		name := e.Name()
		if (name == "stdout" || name == "stderr") && e.Type().IsRegular() {
			continue
		}
		p := filepath.Join(sandbox, name)
		if err := os.Remove(p); err != nil && !errors.Is(err, fs.ErrNotExist) && os.RemoveAll(p) != nil {
			return false
		}
	}
	return true
}

// recycleSandbox parks a finished task's sandbox for a later task, or
// removes it as removeSandbox does when the pool is full.
func (a *agent) recycleSandbox(log *slog.Logger, sandbox string) {
	if !a.spares.park(sandbox) {
		removeSandbox(log, sandbox)
	}
}

// dropSpares removes the agent's parked sandboxes (Close).
func (a *agent) dropSpares() {
	for _, s := range a.spares.drain() {
		removeSandbox(nil, s)
	}
}

// readDir lists the folder dir and stats it (opened with openBlocking: a
// task's sandbox recycling reads two folders).
func readDir(dir string) ([]os.DirEntry, os.FileInfo, error) {
	d, err := openBlocking(dir, syscall.O_RDONLY|syscall.O_DIRECTORY, 0)
	if err != nil {
		return nil, nil, err
	}
	defer d.Close()
	fi, err := d.Stat()
	if err != nil {
		return nil, nil, err
	}
	entries, err := d.ReadDir(-1)
	return entries, fi, err
}

// renameNew renames from to to, which must not exist: rename(2) with
// RENAME_NOREPLACE, atomic and one system call (os.Rename stats to first),
// or os.Rename where the file system cannot.
func renameNew(from, to string) error {
	err := unix.Renameat2(unix.AT_FDCWD, from, unix.AT_FDCWD, to, unix.RENAME_NOREPLACE)
	if errors.Is(err, unix.EINVAL) || errors.Is(err, unix.ENOSYS) {
		return os.Rename(from, to)
	}
	if err != nil {
		return &os.LinkError{Op: "rename", Old: from, New: to, Err: err}
	}
	return nil
}
