package jobs

import (
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/batchd/batchd/core"
	"github.com/batchd/batchd/core/sched"
	"github.com/batchd/batchd/plugins/workload"
)

// DefaultWindow is how many of a job's tasks are in the scheduler at once
// (pending or running) unless Config.Window says otherwise.
const DefaultWindow = 4096

// maxFailures bounds the failures a Report keeps; the rest are counted.
const maxFailures = 100

// jobState gathers a running job's outcomes.
type jobState struct {
	spec     Spec
	outcomes chan sched.Outcome
}

func (j *jobState) outcome(o sched.Outcome) { j.outcomes <- o }

// runPlan feeds the scheduler from the plan spool, keeping at most a
// window of tasks in it, and settles each outcome as it arrives: a result
// goes to the result spool, and the task is forgotten.
func (r *Runner) runPlan(ctx context.Context, spec Spec, plan *planSpool, uris [][]core.URI, results *resultSpool, rep *Report) error {
	if err := plan.rewind(); err != nil {
		return fmt.Errorf("job %s: %w", spec.Name, err)
	}
	window := r.cfg.Window
	if window <= 0 {
		window = DefaultWindow
	}
	js := &jobState{spec: spec, outcomes: make(chan sched.Outcome, window)}
	live := make(map[string]*taskState, window) // this job's tasks in the scheduler
	defer func() { r.forget(live) }()
	more := true
	for more || len(live) > 0 {
		var (
			batch  []sched.Task
			states []*taskState
		)
		for more && len(live)+len(batch) < window {
			p, err := plan.next()
			if errors.Is(err, io.EOF) {
				more = false
				break
			}
			if err != nil {
				return fmt.Errorf("job %s: %w", spec.Name, err)
			}
			st := &taskState{job: js, plan: &p}
			t := r.task(spec, st, uris[p.URIs])
			st.key = t.Key
			batch, states = append(batch, t), append(states, st)
		}
		if len(batch) > 0 {
			r.mu.Lock()
			for _, st := range states {
				r.tasks[st.key] = st
				live[st.key] = st
			}
			r.mu.Unlock()
			r.cfg.Scheduler.Submit(batch...)
		}
		if len(live) == 0 {
			break
		}
		var o sched.Outcome
		select {
		case <-ctx.Done():
			return fmt.Errorf("job %s: %w", spec.Name, ctx.Err())
		case o = <-js.outcomes:
		}
		if err := r.settle(o, live, results, rep); err != nil {
			return fmt.Errorf("job %s: %w", spec.Name, err)
		}
	}
	return nil
}

// settle records one task's outcome and forgets the task.
func (r *Runner) settle(o sched.Outcome, live map[string]*taskState, results *resultSpool, rep *Report) error {
	st := live[o.Key]
	delete(live, o.Key)
	r.mu.Lock()
	var res *workload.Result
	if st != nil {
		res = st.result
		r.forgetLocked(st)
	}
	r.mu.Unlock()
	fail := func(err error) {
		rep.Failed++
		if len(rep.Failures) < maxFailures {
			rep.Failures = append(rep.Failures, err)
		}
	}
	switch {
	case o.Err != nil:
		fail(fmt.Errorf("task %s: %w", o.Key, o.Err))
	case res == nil:
		fail(fmt.Errorf("task %s: finished without a result", o.Key))
	default:
		rep.Finished++
		return results.add(res)
	}
	return nil
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
		Key: key, Job: spec.Name, CPUs: cpus, MemMB: mem, Retries: spec.Retries, Timeout: timeout,
		Prepare: func(attempt int) (core.Launch, error) {
			id := sched.AttemptID(key, attempt)
			token, err := r.cfg.Collector.Register(id)
			if err != nil {
				return core.Launch{}, fmt.Errorf("registering task %s with the collector: %w", id, err)
			}
			r.mu.Lock()
			r.attempts[id] = st
			st.attempts = append(st.attempts, id)
			r.mu.Unlock()
			env := make(map[string]string, len(p.Env)+3)
			for k, v := range p.Env {
				env[k] = v
			}
			env[workload.EnvCollectorURL] = r.cfg.Collector.URL(r.cfg.Advertise, id)
			env[workload.EnvTaskID] = id
			env[workload.EnvTaskToken] = token
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
