package jobs

import (
	"context"
	"fmt"

	"github.com/batchd/batchd/core"
	"github.com/batchd/batchd/core/sched"
	"github.com/batchd/batchd/core/state"
	"github.com/batchd/batchd/plugins/workload"
)

// DefaultWindow is how many of a job's tasks are in the scheduler at once
// (pending or running) unless Config.Window says otherwise.
const DefaultWindow = 4096

// maxFailures bounds the failures a Report keeps; the rest are counted.
const maxFailures = 100

// maxStderrReports is how many of a job's first failures quote the end of
// their stderr (each waits, a bounded while, for it to be read).
const maxStderrReports = 5

// jobState gathers a running job's outcomes.
type jobState struct {
	spec     Spec
	outcomes chan sched.Outcome
	out      *output
}

func (j *jobState) outcome(o sched.Outcome) { j.outcomes <- o }

// runPlan feeds the scheduler from the stored plan, keeping at most a
// window of tasks in it, and settles each outcome as it arrives. Tasks a
// resumed job already finished are counted, not run again; a task whose
// attempt was running when batchd stopped resumes that attempt.
func (r *Runner) runPlan(ctx context.Context, spec Spec, uris [][]core.URI, out *output, fed func(), rep *Report) error {
	window := r.cfg.Window
	if window <= 0 {
		window = DefaultWindow
	}
	js := &jobState{spec: spec, outcomes: make(chan sched.Outcome, window), out: out}
	r.countPlanned(spec.Name, rep.Tasks)
	live := make(map[string]*taskState, window) // this job's tasks in the scheduler
	defer func() { r.forget(live) }()
	var from uint64
	more := true
	for more || len(live) > 0 {
		for more && len(live) < window {
			next, n, err := r.feed(js, from, window-len(live), uris, live, rep)
			if err != nil {
				return fmt.Errorf("job %s: %w", spec.Name, err)
			}
			from, more = next, n > 0
		}
		fed()
		if len(live) == 0 {
			break
		}
		var o sched.Outcome
		select {
		case <-ctx.Done():
			return fmt.Errorf("job %s: %w", spec.Name, ctx.Err())
		case o = <-js.outcomes:
		}
		r.settle(ctx, js, o, live, rep)
	}
	return nil
}

// feed reads up to limit stored tasks from seq from on, counts those
// already settled and submits the others; it returns the seq to read next
// and how many tasks it read.
func (r *Runner) feed(js *jobState, from uint64, limit int, uris [][]core.URI, live map[string]*taskState, rep *Report) (uint64, int, error) {
	var todo []state.Task
	n, settled := 0, map[state.TaskState]int{}
	next, err := r.cfg.State.Tasks(js.spec.Name, from, limit, func(t state.Task) error {
		n++
		switch t.State {
		case state.TaskDone:
			rep.Finished++
			settled[t.State]++
		case state.TaskFailed:
			failed(rep, fmt.Errorf("task %s/%s: %s", js.spec.Name, t.ID, t.Error))
			settled[t.State]++
		default:
			todo = append(todo, t)
		}
		return nil
	})
	if r.cfg.OnTasks != nil && len(settled) > 0 {
		r.mu.Lock()
		for st, k := range settled {
			r.cfg.OnTasks(js.spec.Name, state.TaskPending, st, k)
		}
		r.mu.Unlock()
	}
	if err != nil || len(todo) == 0 {
		return next, n, err
	}
	specs, err := r.specs(js.spec.Name, todo)
	if err != nil {
		return next, n, err
	}
	batch := make([]sched.Task, len(todo))
	r.mu.Lock()
	for i, t := range todo {
		st := &taskState{job: js, seq: t.Seq, label: t.Label, plan: &specs[i], phase: state.TaskPending}
		batch[i] = r.task(js.spec, st, uris[specs[i].URIs])
		st.key = batch[i].Key
		if k := len(t.Attempts); k > 0 {
			a := t.Attempts[k-1]
			batch[i].Resume = &sched.Resume{Attempt: a.N}
			if t.State == state.TaskRunning && a.End.IsZero() {
				// Still running when batchd stopped: its post must be accepted.
				if _, err := r.cfg.Collector.Register(a.TaskID); err != nil {
					r.mu.Unlock()
					return next, n, fmt.Errorf("resuming task %s: %w", a.TaskID, err)
				}
				r.attempts[a.TaskID] = attemptRef{st, a.N}
				st.attempts = append(st.attempts, a.TaskID)
				batch[i].Resume = &sched.Resume{TaskID: a.TaskID, AgentID: a.Agent, Attempt: a.N, LaunchedAt: a.Start}
				r.phaseLocked(st, state.TaskRunning)
			}
		}
		r.tasks[st.key] = st
		live[st.key] = st
	}
	r.mu.Unlock()
	r.cfg.Scheduler.Submit(batch...)
	return next, n, nil
}

// failed counts a failed task in rep.
func failed(rep *Report, err error) {
	rep.Failed++
	if len(rep.Failures) < maxFailures {
		rep.Failures = append(rep.Failures, err)
	}
}

// settle records one task's outcome and forgets the task. The job's
// first failures wait for their stderr lines (a bounded while). A task whose
// result the store kept is done, whatever the attempt's end.
func (r *Runner) settle(ctx context.Context, js *jobState, o sched.Outcome, live map[string]*taskState, rep *Report) {
	st := live[o.Key]
	delete(live, o.Key)
	if st == nil {
		return
	}
	r.mu.Lock()
	kept := st.kept
	r.forgetLocked(st)
	if kept {
		r.phaseLocked(st, state.TaskDone)
	} else {
		r.phaseLocked(st, state.TaskFailed)
	}
	r.mu.Unlock()
	var err error
	switch {
	case kept:
		rep.Finished++
		return
	case o.Err != nil:
		err = fmt.Errorf("task %s: %w", o.Key, o.Err)
		if rep.Failed < maxStderrReports {
			err = withStderr(err, r.firstStderr(ctx, st))
		}
	default:
		err = fmt.Errorf("task %s: finished without a result", o.Key)
	}
	failed(rep, err)
	r.cfg.State.Failed(js.spec.Name, st.seq, err.Error())
}

// task turns a planned task into the scheduler's task.
func (r *Runner) task(spec Spec, st *taskState, uris []core.URI) sched.Task {
	p := st.plan
	key := spec.Name + "/" + p.ID
	cpus, mem, timeout := spec.CPUs, spec.MemMB, spec.Timeout
	if p.CPUs > 0 {
		cpus = p.CPUs
	}
	if p.MemMB > 0 {
		mem = p.MemMB
	}
	if p.Timeout > 0 {
		timeout = p.Timeout
	}
	return sched.Task{
		Key: key, Job: spec.Name, CPUs: cpus, MemMB: mem, Retries: spec.Retries, Backoff: spec.RetryBackoff, Timeout: timeout,
		Placement: spec.Placement,
		Prepare: func(attempt int) (core.Launch, error) {
			id := sched.AttemptID(key, attempt)
			token, err := r.cfg.Collector.Register(id)
			if err != nil {
				return core.Launch{}, fmt.Errorf("registering task %s with the collector: %w", id, err)
			}
			r.mu.Lock()
			r.attempts[id] = attemptRef{st, attempt}
			st.attempts = append(st.attempts, id)
			r.mu.Unlock()
			env := make(map[string]string, len(p.Env)+4)
			for k, v := range p.Env {
				env[k] = v
			}
			env[workload.EnvCollectorURL] = r.cfg.Collector.URL(r.cfg.Advertise, id)
			env[workload.EnvTaskID] = id
			env[workload.EnvTaskToken] = token
			if r.cfg.CollectorCA != "" {
				env[workload.EnvCollectorCA] = r.cfg.CollectorCA
			}
			return core.Launch{
				TaskID: id, Name: key, Command: p.Command, Env: env,
				CPUs: cpus, MemMB: mem, URIs: uris,
			}, nil
		},
	}
}

// forget drops tasks of a job that ended (or stopped) with tasks still in
// the scheduler, so a long-lived Runner does not grow with every job it ran.
func (r *Runner) forget(live map[string]*taskState) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, st := range live {
		r.forgetLocked(st)
	}
}

// forgetLocked drops a task and its attempts, here and in the collector
// (which then refuses their posts as unknown). r.mu must be held.
func (r *Runner) forgetLocked(st *taskState) {
	for _, id := range st.attempts {
		delete(r.attempts, id)
		r.cfg.Collector.Forget(id)
	}
	delete(r.tasks, st.key)
}
