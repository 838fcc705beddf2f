package localcluster

import (
	"log/slog"
	"os"
	"path/filepath"
	"strconv"
	"sync"
)

// Sandbox recycling. With RemoveFinishedSandboxes, a finished task's
// executor folder (executors/<task>/runs/<run>, holding stdout and stderr)
// is emptied and parked instead of removed, and the agent's next task
// renames it into place instead of creating three folders and two files.
// On ext4, creating and freeing inodes at a task's pace was the largest
// share of the embedded cluster's CPU time (the inode allocator skips
// recently freed inodes one by one); renames and truncates allocate none.
// A task still gets an empty sandbox with empty stdout and stderr files.

// maxSpares bounds the parked folders per agent: enough for every task of
// a busy agent to find one, few enough that Close has little to remove.
const maxSpares = 64

// spares are an agent's parked executor folders.
type spares struct {
	mu   sync.Mutex
	dir  string   // where they are parked: <agent>/spare
	free []string // parked folders, each holding runs/<one run>
	next int      // names the next parked folder
}

// take returns a parked folder, or "" when there is none.
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

// park moves the executor folder exec into the pool; false when the pool is
// full or the move failed (exec is then left where it was).
func (s *spares) park(exec string) bool {
	s.mu.Lock()
	if len(s.free) >= maxSpares {
		s.mu.Unlock()
		return false
	}
	s.next++
	dst := filepath.Join(s.dir, strconv.Itoa(s.next))
	s.mu.Unlock()
	if err := os.Rename(exec, dst); err != nil {
		// The pool's folder is made on first use (an agent that never
		// recycles leaves none behind).
		if !os.IsNotExist(err) || os.MkdirAll(s.dir, 0o755) != nil || os.Rename(exec, dst) != nil {
			return false
		}
	}
	s.mu.Lock()
	s.free = append(s.free, dst)
	s.mu.Unlock()
	return true
}

// makeSandbox creates the folder a task's run executes in, from a parked
// folder when the agent has one.
func (a *agent) makeSandbox(fwID, taskID, runID string) (string, error) {
	sandbox := a.sandbox(fwID, taskID, runID)
	if spare := a.spares.take(); spare != "" {
		if reuse(spare, sandbox) {
			return sandbox, nil
		}
		os.RemoveAll(spare)
	}
	return sandbox, os.MkdirAll(sandbox, 0o755)
}

// reuse renames the parked folder spare to sandbox's executor folder and its
// one run folder to sandbox. It fails when a run of a task of the same id
// still holds the executor folder.
func reuse(spare, sandbox string) bool {
	runs := filepath.Dir(sandbox)
	exec := filepath.Dir(runs)
	if os.MkdirAll(filepath.Dir(exec), 0o755) != nil {
		return false
	}
	old, err := os.ReadDir(filepath.Join(spare, "runs"))
	if err != nil || len(old) != 1 {
		return false
	}
	if os.Rename(spare, exec) != nil {
		return false
	}
	if os.Rename(filepath.Join(runs, old[0].Name()), sandbox) != nil {
		os.RemoveAll(exec)
		return false
	}
	return os.Chmod(sandbox, 0o755) == nil
}

// recycleSandbox empties a finished task's sandbox down to empty stdout and
// stderr files and parks its executor folder; when it cannot (another run
// shares the executor folder, the pool is full, a file resists) it removes
// the sandbox as removeSandbox does.
func (a *agent) recycleSandbox(log *slog.Logger, sandbox string) {
	runs, err := os.ReadDir(filepath.Dir(sandbox))
	if err != nil || len(runs) != 1 || !emptySandbox(sandbox) || !a.spares.park(filepath.Dir(filepath.Dir(sandbox))) {
		removeSandbox(log, sandbox)
	}
}

// emptySandbox removes everything in sandbox but its stdout and stderr
// files, which it truncates and makes writable again.
func emptySandbox(sandbox string) bool {
	entries, err := os.ReadDir(sandbox)
	if err != nil {
		return false
	}
	for _, e := range entries {
		p := filepath.Join(sandbox, e.Name())
		if (e.Name() == "stdout" || e.Name() == "stderr") && e.Type().IsRegular() {
			if os.Chmod(p, 0o644) == nil && os.Truncate(p, 0) == nil {
				continue
			}
		}
		if os.RemoveAll(p) != nil {
			return false
		}
	}
	return true
}
