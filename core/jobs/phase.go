package jobs

import "github.com/batchd/batchd/core/state"

// A task's phase follows it through the runner for Config.OnTasks: every
// planned task is pending until an attempt is launched (running); a failed
// attempt makes it pending again until its retry; its outcome makes it
// done or failed. Phases are changed with r.mu held.

// countPlanned tells OnTasks a job's n planned tasks, as pending: feed
// moves those an earlier run settled or left running.
func (r *Runner) countPlanned(job string, n int) {
	if r.cfg.OnTasks == nil {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	r.cfg.OnTasks(job, "", state.TaskPending, n)
}

// movedLocked counts one task of job as moved from phase from to to.
// r.mu must be held.
func (r *Runner) movedLocked(job string, from, to state.TaskState) {
	if from != to && r.cfg.OnTasks != nil {
		r.cfg.OnTasks(job, from, to, 1)
	}
}

// phaseLocked moves t to phase to. r.mu must be held.
func (r *Runner) phaseLocked(t *taskState, to state.TaskState) {
	r.movedLocked(t.job.spec.Name, t.phase, to)
	t.phase = to
}
