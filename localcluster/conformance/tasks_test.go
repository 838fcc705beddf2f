package conformance

import (
	"time"

	mesos "github.com/mesos/mesos-go/api/v1/lib"
	"github.com/mesos/mesos-go/api/v1/lib/scheduler"
	"github.com/mesos/mesos-go/api/v1/lib/scheduler/calls"
)

// task is a command task small enough for any agent.
func task(id, shell string, agent mesos.AgentID) mesos.TaskInfo {
	return mesos.TaskInfo{
		Name:      id,
		TaskID:    mesos.TaskID{Value: id},
		AgentID:   agent,
		Command:   &mesos.CommandInfo{Value: &shell},
		Resources: mesos.Resources{scalar("cpus", 0.1), scalar("mem", 32)},
	}
}

// scalar is a scalar resource of the "*" role, allocated as a MULTI_ROLE
// framework's resources must be.
func scalar(name string, v float64) mesos.Resource {
	role := "*"
	return mesos.Resource{Name: name, Type: mesos.SCALAR.Enum(), Scalar: &mesos.Value_Scalar{Value: v},
		AllocationInfo: &mesos.Resource_AllocationInfo{Role: &role}}
}

// launch waits for an offer and launches one task on it, recording
// the ACCEPT's reply. It returns the agent, or false without an offer.
func (x *run) launch(what, id, shell string) (mesos.AgentID, bool) {
	f, ok := x.offerOf(resources{cpus: 0.1, mem: 32})
	if !ok {
		x.record(what+"/offer", "<no offer>")
		return mesos.AgentID{}, false
	}
	o := f.ev.Offers.Offers[0]
	x.accept(what, o, calls.OpLaunch(task(id, shell, o.AgentID)))
	return o.AgentID, true
}

// accept sends an ACCEPT of one offer with the given operations and no
// filter, so the rest of the agent is offered again at once.
func (x *run) accept(what string, o mesos.Offer, ops ...mesos.Offer_Operation) {
	x.do(what, calls.Accept(calls.OfferOperations(ops).WithOffers(o.ID)).With(calls.RefuseSeconds(0)))
}

// updates reads the task's status updates, acknowledging each with a
// uuid, until one is terminal or until stop says so; it records each
// update and the sequence of states.
func (x *run) updates(what, id string, stop func(mesos.TaskState) bool) []mesos.TaskState {
	var states []string
	var seen []mesos.TaskState
	deadline := time.Now().Add(taskWait)
	for time.Now().Before(deadline) {
		f, ok := x.s.next(time.Until(deadline), scheduler.Event_UPDATE)
		if !ok {
			break
		}
		st := f.ev.Update.Status
		if st.TaskID.Value != id {
			if st.UUID != nil {
				x.call(calls.Acknowledge(st.AgentID.Value, st.TaskID.Value, st.UUID))
			}
			continue
		}
		x.recordEvent(what+"/"+st.State.String(), f, true)
		states = append(states, st.State.String())
		seen = append(seen, st.GetState())
		if st.UUID != nil {
			x.do(what+"/acknowledge-"+st.State.String(), calls.Acknowledge(st.AgentID.Value, id, st.UUID))
		}
		if stop(st.GetState()) {
			break
		}
	}
	x.record(what+"/states", states)
	return seen
}

func terminal(s mesos.TaskState) bool {
	switch s {
	case mesos.TASK_FINISHED, mesos.TASK_FAILED, mesos.TASK_KILLED, mesos.TASK_ERROR, mesos.TASK_LOST,
		mesos.TASK_DROPPED, mesos.TASK_GONE, mesos.TASK_GONE_BY_OPERATOR:
		return true
	}
	return false
}

// taskStates launches one task and records its updates to the end; with
// kill it kills the task once it runs.
func taskStates(x *run, shell string, kill bool) {
	if x.subscribe("subscribe", sub{}) == nil {
		return
	}
	const id = "task-1"
	agent, ok := x.launch("accept", id, shell)
	if !ok {
		return
	}
	stop := terminal
	if kill {
		stop = func(s mesos.TaskState) bool { return s == mesos.TASK_RUNNING || terminal(s) }
	}
	seen := x.updates("updates", id, stop)
	if kill && len(seen) > 0 && seen[len(seen)-1] == mesos.TASK_RUNNING {
		x.do("kill", calls.Kill(id, agent.Value))
		seen = x.updates("after-kill", id, terminal)
	}
	if len(seen) == 0 || !terminal(seen[len(seen)-1]) {
		return
	}
	// Whether a FAILURE event reports the command executor's exit.
	// Mesos's command executor exits a second after its last update.
	f, ok := x.s.next(2*time.Second, scheduler.Event_FAILURE)
	x.recordEvent("executor-exit", f, ok)
}

// reconcile records explicit and implicit reconciliation of a running
// task, a finished and acknowledged one, and tasks the master never knew.
func reconcile(x *run) {
	if x.subscribe("subscribe", sub{}) == nil {
		return
	}
	agent, ok := x.launch("accept-running", "running", "sleep 60")
	if !ok {
		return
	}
	x.updates("running", "running", func(s mesos.TaskState) bool { return s == mesos.TASK_RUNNING || terminal(s) })
	if _, ok := x.launch("accept-finished", "finished", "exit 0"); !ok {
		return
	}
	x.updates("finished", "finished", terminal)

	explicit := func(what string, ids ...string) {
		var tasks []*scheduler.Call_Reconcile_Task
		for _, id := range ids {
			tasks = append(tasks, &scheduler.Call_Reconcile_Task{TaskID: mesos.TaskID{Value: id}, AgentID: &agent})
		}
		x.do(what, &scheduler.Call{Type: scheduler.Call_RECONCILE, Reconcile: &scheduler.Call_Reconcile{Tasks: derefTasks(tasks)}})
		x.reconcileAnswers(what, len(ids))
	}
	explicit("explicit-running", "running")
	// A task whose TASK_RUNNING is not acknowledged: Mesos answers with the
	// state the framework was last sent, whatever the agent knows since.
	if _, ok := x.launch("accept-unacknowledged", "unacknowledged", "exit 0"); ok {
		x.updates("unacknowledged", "unacknowledged", func(s mesos.TaskState) bool { return s == mesos.TASK_STARTING || terminal(s) })
		f, ok := x.s.next(taskWait, scheduler.Event_UPDATE)
		x.recordEvent("unacknowledged/unacknowledged-update", f, ok)
		explicit("explicit-unacknowledged", "unacknowledged")
		if ok && f.ev.Update.Status.UUID != nil {
			st := f.ev.Update.Status
			x.do("unacknowledged/acknowledge", calls.Acknowledge(st.AgentID.Value, st.TaskID.Value, st.UUID))
			x.updates("unacknowledged-after", "unacknowledged", terminal)
		}
	}
	explicit("explicit-finished", "finished")
	explicit("explicit-unknown", "never-launched")
	x.do("explicit-unknown-no-agent", calls.Reconcile(calls.ReconcileTasks(map[string]string{"never-launched-2": ""})))
	x.reconcileAnswers("explicit-unknown-no-agent", 1)
	x.do("implicit", calls.Reconcile())
	x.reconcileAnswers("implicit", -1)
	x.do("kill-unknown", calls.Kill("never-launched-3", agent.Value))
	f, ok := x.updateOf("never-launched-3")
	x.recordEvent("kill-unknown/update", f, ok)
}

func derefTasks(ts []*scheduler.Call_Reconcile_Task) []scheduler.Call_Reconcile_Task {
	out := make([]scheduler.Call_Reconcile_Task, len(ts))
	for i, t := range ts {
		out[i] = *t
	}
	return out
}

// reconcileAnswers records the next n answers to a RECONCILE (n < 0:
// those within a second), keyed by task id. Other updates (which carry a
// uuid; answers do not) are acknowledged and left out.
func (x *run) reconcileAnswers(what string, n int) {
	wait := eventWait
	if n < 0 {
		wait = time.Second
	}
	deadline := time.Now().Add(wait)
	got := map[string]any{}
	for n != 0 {
		f, ok := x.s.next(time.Until(deadline), scheduler.Event_UPDATE)
		if !ok {
			break
		}
		if st := f.ev.Update.Status; st.UUID != nil {
			x.call(calls.Acknowledge(st.AgentID.Value, st.TaskID.Value, st.UUID))
			continue
		}
		got[f.ev.Update.Status.TaskID.Value] = f.tree
		n--
	}
	x.record(what+"/updates", got)
}

// launchInvalid launches tasks Mesos refuses, one ACCEPT each, and records
// the update each gets.
func launchInvalid(x *run) {
	if x.subscribe("subscribe", sub{}) == nil {
		return
	}
	small := resources{cpus: 0.1, mem: 32}
	cases := []struct {
		what string
		task func(agent mesos.AgentID) mesos.TaskInfo
	}{
		{"too-many-cpus", func(a mesos.AgentID) mesos.TaskInfo {
			ti := task("too-many-cpus", "exit 0", a)
			ti.Resources = mesos.Resources{scalar("cpus", 100), scalar("mem", 32)}
			return ti
		}},
		{"no-command", func(a mesos.AgentID) mesos.TaskInfo {
			ti := task("no-command", "", a)
			ti.Command = nil
			return ti
		}},
		{"no-resources", func(a mesos.AgentID) mesos.TaskInfo {
			ti := task("no-resources", "exit 0", a)
			ti.Resources = nil
			return ti
		}},
		{"other-agent", func(mesos.AgentID) mesos.TaskInfo {
			return task("other-agent", "exit 0", mesos.AgentID{Value: "no-such-agent"})
		}},
		{"running", func(a mesos.AgentID) mesos.TaskInfo { return task("dup", "sleep 60", a) }},
		{"duplicate-id", func(a mesos.AgentID) mesos.TaskInfo { return task("dup", "exit 0", a) }},
	}
	for _, c := range cases {
		f, ok := x.offerOf(small)
		if !ok {
			x.record(c.what+"/offer", "<no offer>")
			return
		}
		o := f.ev.Offers.Offers[0]
		ti := c.task(o.AgentID)
		x.accept(c.what, o, calls.OpLaunch(ti))
		if c.what == "running" {
			// Until it runs, so that no update of it is left to be
			// mistaken for the answer to its duplicate.
			x.updates(c.what, ti.TaskID.Value, func(s mesos.TaskState) bool { return s == mesos.TASK_RUNNING || terminal(s) })
			continue
		}
		f, ok = x.updateOf(ti.TaskID.Value)
		x.recordEvent(c.what+"/update", f, ok)
	}
	// A task group needs Mesos's default executor; the embedded agents run
	// only the command executor.
	f, ok := x.offerOf(small)
	if !ok {
		x.record("launch-group/offer", "<no offer>")
		return
	}
	o := f.ev.Offers.Offers[0]
	exec := mesos.ExecutorInfo{Type: mesos.ExecutorInfo_DEFAULT, ExecutorID: mesos.ExecutorID{Value: "group"},
		FrameworkID: &mesos.FrameworkID{Value: x.fwID}, Resources: mesos.Resources{scalar("cpus", 0.1), scalar("mem", 32), scalar("disk", 32)}}
	x.accept("launch-group", o, calls.OpLaunchGroup(exec, task("group-task", "exit 0", o.AgentID)))
	f, ok = x.updateOf("group-task")
	x.recordEvent("launch-group/update", f, ok)
}

// updateOf returns the next update of a task, acknowledging it and every
// update of other tasks that comes before it.
func (x *run) updateOf(id string) (frame, bool) {
	deadline := time.Now().Add(eventWait)
	for {
		f, ok := x.s.next(time.Until(deadline), scheduler.Event_UPDATE)
		if !ok {
			return f, false
		}
		if st := f.ev.Update.Status; st.UUID != nil {
			x.call(calls.Acknowledge(st.AgentID.Value, st.TaskID.Value, st.UUID))
		}
		if f.ev.Update.Status.TaskID.Value == id {
			return f, true
		}
	}
}
