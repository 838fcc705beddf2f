package jobs

import (
	"time"

	"github.com/batchd/batchd/core"
	"github.com/batchd/batchd/core/collector"
	"github.com/batchd/batchd/core/state"
)

// The runner is the collector's Committer and the scheduler's observer:
// results, launches and status updates go to the state store.

var _ collector.Committer = (*Runner)(nil)

// Commit stores a batch of results the collector accepted and returns once
// they are durable. A task keeps its first result; a later attempt's is
// not stored again (nor printed). Kept results go to their job's output file.
func (r *Runner) Commit(results []collector.Result) error {
	recs := make([]state.NewResult, 0, len(results))
	refs := make([]attemptRef, 0, len(results))
	r.mu.Lock()
	for _, res := range results {
		a, ok := r.attempts[res.TaskID]
		if !ok {
			continue // forgotten since it posted: its task already ended
		}
		recs = append(recs, state.NewResult{Job: a.t.job.spec.Name, Seq: a.t.seq, Result: state.Result{
			Attempt: a.n, Output: res.Output, Display: res.Display, Received: res.Received,
		}})
		refs = append(refs, a)
	}
	r.mu.Unlock()
	if len(recs) == 0 {
		return nil
	}
	kept, err := r.cfg.State.CommitResults(recs)
	if err != nil {
		return err
	}
	r.mu.Lock()
	for i, a := range refs {
		if kept[i] {
			a.t.kept = true
		}
	}
	r.mu.Unlock()
	for i, a := range refs {
		if kept[i] {
			a.t.job.out.add(outputLine{
				Job: recs[i].Job, Task: a.t.plan.ID, Label: a.t.label, Attempt: a.n,
				Output: recs[i].Result.Output, Display: recs[i].Result.Display, Received: recs[i].Result.Received,
			})
		}
	}
	return nil
}

// Result is the collector's OnResult hook, called once a result is
// durable: it prints the task's line (once per task) and tells the
// scheduler the attempt has reported.
func (r *Runner) Result(res collector.Result) {
	r.mu.Lock()
	a, ok := r.attempts[res.TaskID]
	print := ok && a.t.kept && !a.t.printed
	if print {
		a.t.printed = true
	}
	r.mu.Unlock()
	if !ok {
		r.cfg.Log.Warn("result for unknown task", "task", res.TaskID)
		return
	}
	if !print {
		r.cfg.Log.Info("task already has a result; keeping the first", "task", res.TaskID)
	} else if res.Display != "" {
		r.printf("%s", res.Display)
	}
	r.cfg.Scheduler.ResultArrived(res.TaskID)
}

// Launched is the scheduler's OnLaunch hook: the attempt goes to the store.
func (r *Runner) Launched(key string, n int, l core.Launch) {
	r.mu.Lock()
	t := r.tasks[key]
	if t != nil {
		r.phaseLocked(t, state.TaskRunning)
	}
	r.mu.Unlock()
	if t == nil {
		return
	}
	r.cfg.State.Launched(t.job.spec.Name, t.seq, state.Attempt{N: n, TaskID: l.TaskID, Agent: l.AgentID, Start: time.Now().UTC()})
}

// Updated is the scheduler's OnUpdate hook: how an attempt ended goes to
// the store (the launch record says it runs; STARTING and RUNNING would
// only add writes), and the end of a failed attempt's stderr is asked for.
func (r *Runner) Updated(key string, n int, u core.Update) {
	if !u.State.Terminal() {
		return
	}
	r.mu.Lock()
	t := r.tasks[key]
	if t != nil && u.State != core.TaskFinished {
		r.phaseLocked(t, state.TaskPending) // until its retry, or its outcome
	}
	r.mu.Unlock()
	if t == nil {
		return
	}
	r.cfg.State.Updated(t.job.spec.Name, t.seq, n, u.AgentID, string(u.State), u.Reason, u.Message, time.Now().UTC())
	if u.State != core.TaskFinished {
		r.queueStderr(t, n, u)
	}
}

// Abandoned is the scheduler's OnAbandon hook: the attempt may no longer
// post (the collector answers 409).
func (r *Runner) Abandoned(taskID string) {
	r.cfg.Collector.Forget(taskID)
}
