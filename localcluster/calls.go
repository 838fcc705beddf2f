package localcluster

import (
	"fmt"
	"slices"
	"time"

	mesos "github.com/mesos/mesos-go/api/v1/lib"
	"github.com/mesos/mesos-go/api/v1/lib/scheduler"
)

// dispatchLocked runs one validated call of a subscribed framework.
func (c *Cluster) dispatchLocked(fw *framework, call *scheduler.Call) {
	switch call.Type {
	case scheduler.Call_ACCEPT:
		c.acceptLocked(fw, call.Accept)
	case scheduler.Call_DECLINE:
		c.declineLocked(fw, call.Decline)
	case scheduler.Call_ACKNOWLEDGE:
		c.acknowledgeLocked(fw, call.Acknowledge)
	case scheduler.Call_KILL:
		c.killLocked(fw, call.Kill)
	case scheduler.Call_RECONCILE:
		c.reconcileLocked(fw, call.Reconcile)
	case scheduler.Call_SUPPRESS:
		fw.suppressed = true
	case scheduler.Call_REVIVE:
		fw.suppressed = false
		clear(fw.filters)
		c.allocateLocked(time.Now())
	case scheduler.Call_TEARDOWN:
		c.teardownLocked(fw, "TEARDOWN call")
	default:
		// MESSAGE, SHUTDOWN, REQUEST, inverse offers and the like: accepted, no effect.
	}
}

// updateFrameworkLocked applies UPDATE_FRAMEWORK as Mesos's
// Master::updateFramework does (master.cpp, validation.cpp validateUpdate):
// the principal, user and checkpoint may not change; the rest, and the
// suppressed roles, take effect at once. It returns the message of a
// refused update, or "".
func (c *Cluster) updateFrameworkLocked(fw *framework, u *scheduler.Call_UpdateFramework) string {
	info := u.FrameworkInfo
	switch old := fw.info; {
	case old.GetPrincipal() != info.GetPrincipal() || (old.Principal == nil) != (info.Principal == nil):
		return "FrameworkInfo update is not valid: Changing framework's principal is not allowed."
	case old.GetUser() != info.GetUser():
		return fmt.Sprintf("FrameworkInfo update is not valid: Updating 'FrameworkInfo.user' is unsupported; attempted to update from '%s' to '%s'", old.GetUser(), info.GetUser())
	case old.GetCheckpoint() != info.GetCheckpoint():
		return fmt.Sprintf("FrameworkInfo update is not valid: Updating 'FrameworkInfo.checkpoint' is unsupported; attempted to update from '%t' to '%t'", old.GetCheckpoint(), info.GetCheckpoint())
	}
	fw.setInfo(&info)
	fw.suppressed = slices.Contains(u.SuppressedRoles, fw.role)
	c.allocateLocked(time.Now())
	return ""
}

// killLocked stops a task: SIGTERM to its process group, SIGKILL after the
// kill policy's grace period. Like Mesos (master.cpp, Master::kill), a task
// the master does not know is reconciled instead.
func (c *Cluster) killLocked(fw *framework, k *scheduler.Call_Kill) {
	t := fw.tasks[k.TaskID.Value]
	if t == nil {
		c.reconcileLocked(fw, &scheduler.Call_Reconcile{Tasks: []scheduler.Call_Reconcile_Task{{TaskID: k.TaskID, AgentID: k.AgentID}}})
		return
	}
	if t.terminal() {
		return // the agent has nothing left to kill; its terminal update is on its way
	}
	grace := c.cfg.KillGracePeriod
	if p := t.info.KillPolicy; p != nil && p.GracePeriod != nil {
		grace = time.Duration(p.GracePeriod.Nanoseconds)
	}
	if p := k.KillPolicy; p != nil && p.GracePeriod != nil {
		grace = time.Duration(p.GracePeriod.Nanoseconds)
	}
	c.log.Info("killing task", "framework", fw.id, "task", t.id, "grace", grace)
	t.kill(grace)
}

// reconcileLocked answers RECONCILE as Mesos's Master::reconcile does
// (master.cpp): a task the master knows (one not terminal, or whose
// terminal update is not yet acknowledged) gets the state of the update the
// framework was last sent; an unknown task gets TASK_LOST (TASK_GONE or
// TASK_UNKNOWN for partition-aware frameworks). With no tasks named, every
// known task is reported.
func (c *Cluster) reconcileLocked(fw *framework, r *scheduler.Call_Reconcile) {
	known := func(t *task) {
		st := t.latest
		if len(t.pending) > 0 {
			st = t.pending[0] // Task.status_update_state: what the framework has seen
		}
		msg := "Reconciliation: Latest task state"
		c.sendMasterUpdateLocked(fw, mesos.TaskStatus{TaskID: st.TaskID, State: st.State, Message: &msg,
			Source: mesos.SOURCE_MASTER.Enum(), Reason: mesos.REASON_RECONCILIATION.Enum(), AgentID: st.AgentID,
			ContainerStatus: st.ContainerStatus})
	}
	if len(r.Tasks) == 0 {
		for _, t := range fw.tasks {
			known(t)
		}
		return
	}
	for _, rt := range r.Tasks {
		if t := fw.tasks[rt.TaskID.Value]; t != nil {
			known(t)
			continue
		}
		if a := c.reconcileAgent(rt.AgentID); a != nil && a.lost {
			// Mesos keeps a removed agent among the unreachable ones.
			state := mesos.TASK_LOST
			if fw.partitionAware {
				state = mesos.TASK_UNREACHABLE
			}
			c.masterUpdateLocked(fw, rt.TaskID, rt.AgentID, state, mesos.REASON_RECONCILIATION, "Reconciliation: Task is unreachable")
			continue
		}
		if rt.AgentID != nil && c.state.agent(rt.AgentID.Value) != nil {
			state := mesos.TASK_LOST
			if fw.partitionAware {
				state = mesos.TASK_GONE
			}
			c.masterUpdateLocked(fw, rt.TaskID, rt.AgentID, state, mesos.REASON_RECONCILIATION, "Reconciliation: Task is unknown to the agent")
			continue
		}
		state := mesos.TASK_LOST
		if fw.partitionAware {
			state = mesos.TASK_UNKNOWN
		}
		c.masterUpdateLocked(fw, rt.TaskID, rt.AgentID, state, mesos.REASON_RECONCILIATION, "Reconciliation: Task is unknown")
	}
}
