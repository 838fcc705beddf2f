package localcluster

import (
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

// killLocked stops a task: SIGTERM to its process group, SIGKILL after the
// kill policy's grace period. An unknown task gets a TASK_LOST, as in Mesos.
func (c *Cluster) killLocked(fw *framework, k *scheduler.Call_Kill) {
	t := fw.tasks[k.TaskID.Value]
	if t == nil || t.terminal() {
		c.masterUpdateLocked(fw, k.TaskID, k.AgentID, mesos.TASK_LOST, mesos.REASON_RECONCILIATION, "Attempted to kill an unknown task")
		return
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

// reconcileLocked answers RECONCILE with the latest state of the named
// tasks, or of every task not yet done when none are named.
func (c *Cluster) reconcileLocked(fw *framework, r *scheduler.Call_Reconcile) {
	send := func(st mesos.TaskStatus, msg string) {
		st.UUID = nil
		st.Source = mesos.SOURCE_MASTER.Enum()
		st.Reason = mesos.REASON_RECONCILIATION.Enum()
		st.Message = &msg
		st.Timestamp = timestamp()
		fw.send(&scheduler.Event{Type: scheduler.Event_UPDATE, Update: &scheduler.Event_Update{Status: st}})
	}
	if len(r.Tasks) == 0 {
		for _, t := range fw.tasks {
			if !t.terminal() || len(t.pending) > 0 {
				send(t.latest, "Reconciliation: Latest task state")
			}
		}
		return
	}
	for _, rt := range r.Tasks {
		if t := fw.tasks[rt.TaskID.Value]; t != nil {
			send(t.latest, "Reconciliation: Latest task state")
			continue
		}
		state := mesos.TASK_LOST
		if fw.partitionAware {
			state = mesos.TASK_UNKNOWN
		}
		send(mesos.TaskStatus{TaskID: rt.TaskID, State: state.Enum(), AgentID: rt.AgentID}, "Reconciliation: Task is unknown")
	}
}
