package localcluster

import (
	"bytes"
	"net"
	"os"
	"time"

	mesos "github.com/mesos/mesos-go/api/v1/lib"
	"github.com/mesos/mesos-go/api/v1/lib/scheduler"
)

// maxUpdateBackoff caps the resend delay of an unacknowledged update.
const maxUpdateBackoff = 10 * time.Minute

// statusLocked records a task's new state and queues an update for it, as
// the agent's status update manager does: each update has a uuid, the
// first unacknowledged one is sent (and resent) and later ones wait behind it.
func (c *Cluster) statusLocked(t *task, state mesos.TaskState, src mesos.TaskStatus_Source, reason *mesos.TaskStatus_Reason, msg string) {
	if t.agent.lost {
		return // a dead agent tells nothing; the master reported its tasks lost
	}
	agentID := mesos.AgentID{Value: t.agent.id}
	st := mesos.TaskStatus{
		TaskID:     mesos.TaskID{Value: t.id},
		State:      state.Enum(),
		Source:     src.Enum(),
		Reason:     reason,
		AgentID:    &agentID,
		ExecutorID: &mesos.ExecutorID{Value: t.id},
		Timestamp:  timestamp(),
		UUID:       uuidBytes(),
	}
	if msg != "" {
		st.Message = &msg
	}
	if src == mesos.SOURCE_EXECUTOR {
		st.ContainerStatus = c.containerStatus(t)
	}
	c.countLocked(t.state, state)
	t.state, t.latest = state, st
	t.statuses = append(t.statuses, st)
	if isTerminal(state) {
		// The command, its environment and URIs are not needed any more;
		// the task itself is forgotten once this update is acknowledged.
		t.info = mesos.TaskInfo{}
	}
	c.log.Debug("task update", "framework", t.fw.id, "task", t.id, "state", state.String(), "message", msg)
	if t.fw.removed {
		return
	}
	t.pending = append(t.pending, st)
	if len(t.pending) == 1 {
		t.backoff = 0
		c.sendHeadLocked(t)
	}
}

// sendHeadLocked sends the task's first unacknowledged update and schedules its resend.
func (c *Cluster) sendHeadLocked(t *task) {
	if len(t.pending) == 0 {
		return
	}
	if t.backoff == 0 {
		t.backoff = c.cfg.UpdateRetryInterval
	} else {
		t.backoff = min(2*t.backoff, maxUpdateBackoff)
	}
	t.nextResend = time.Now().Add(t.backoff)
	t.fw.send(&scheduler.Event{Type: scheduler.Event_UPDATE, Update: &scheduler.Event_Update{Status: t.pending[0]}})
}

// containerStatus is what a Mesos agent adds to an executor's updates
// (slave.cpp, Slave::statusUpdate): the container id, the executor's pid
// and the container's addresses. The embedded command executor runs inside
// the cluster's own process, whose pid it reports; the container has the
// agent's address, which is the master's.
func (c *Cluster) containerStatus(t *task) *mesos.ContainerStatus {
	if t.containerID == "" {
		return nil
	}
	pid := uint32(os.Getpid())
	cs := &mesos.ContainerStatus{ContainerID: &mesos.ContainerID{Value: t.containerID}, ExecutorPID: &pid}
	if addr, ok := c.ln.Addr().(*net.TCPAddr); ok && !addr.IP.IsUnspecified() {
		ip, proto := addr.IP.String(), mesos.IPv4
		if addr.IP.To4() == nil {
			proto = mesos.IPv6
		}
		cs.NetworkInfos = []mesos.NetworkInfo{{IPAddresses: []mesos.NetworkInfo_IPAddress{{IPAddress: &ip, Protocol: &proto}}}}
	}
	return cs
}

// acknowledgeLocked drops the acknowledged update and sends the next one.
func (c *Cluster) acknowledgeLocked(fw *framework, ack *scheduler.Call_Acknowledge) {
	t := fw.tasks[ack.TaskID.Value]
	if t == nil || len(t.pending) == 0 || !bytes.Equal(t.pending[0].UUID, ack.UUID) {
		return // a duplicate or stale ack: Mesos ignores it too
	}
	// No FAILURE event follows a terminal update: a Mesos agent does not
	// report the exit of the command executor it generated for a task
	// (slave.cpp, executorTerminated).
	t.pending = t.pending[1:]
	t.backoff = 0
	c.sendHeadLocked(t)
	if t.terminal() && len(t.pending) == 0 {
		// Acknowledged to the end: the master forgets the task, as Mesos
		// moves it to its completed tasks, which reconciliation ignores.
		delete(fw.tasks, t.id)
		t.forgetLocked()
		fw.complete(t)
	}
}

// retryLoop resends unacknowledged updates whose time has come.
func (c *Cluster) retryLoop() {
	defer c.wg.Done()
	tick := min(c.cfg.UpdateRetryInterval/4, time.Second)
	t := time.NewTicker(tick)
	defer t.Stop()
	for {
		select {
		case <-c.ctx.Done():
			return
		case now := <-t.C:
			c.mu.Lock()
			for _, fw := range c.state.frameworks {
				if fw.stream == nil {
					continue
				}
				for _, t := range fw.tasks {
					if len(t.pending) > 0 && !now.Before(t.nextResend) {
						c.sendHeadLocked(t)
					}
				}
			}
			c.mu.Unlock()
		}
	}
}
