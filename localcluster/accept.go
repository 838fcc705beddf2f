package localcluster

import (
	"fmt"
	"strings"
	"time"

	mesos "github.com/mesos/mesos-go/api/v1/lib"
	"github.com/mesos/mesos-go/api/v1/lib/scheduler"
)

// acceptLocked runs the LAUNCH operations of an ACCEPT against the offers'
// resources; what the tasks do not use returns to the pool.
func (c *Cluster) acceptLocked(fw *framework, acc *scheduler.Call_Accept) {
	now := time.Now()
	var (
		pool    res
		ports   mesos.Ranges
		agent   *agent
		invalid []string
	)
	for _, id := range acc.OfferIDs {
		o := c.state.offers[id.Value]
		switch {
		case o == nil || o.fw != fw:
			invalid = append(invalid, fmt.Sprintf("Offer %s is no longer valid", id.Value))
			continue
		case agent != nil && o.agent != agent:
			invalid = append(invalid, fmt.Sprintf("Aggregated offers must belong to one agent; offer %s is on %s", id.Value, o.agent.id))
		}
		c.removeOfferLocked(o)
		if agent == nil {
			agent = o.agent
		}
		pool = pool.plus(o.res)
		ports = addPorts(ports, o.ports)
	}
	if len(acc.OfferIDs) == 0 {
		invalid = append(invalid, "No offers specified")
	}
	if agent != nil {
		// The filter covers what the operations leave unused; what it does
		// not hold back is offered again at once.
		defer func() {
			filterLocked(fw, agent, pool, acc.Filters, now)
			c.wake()
		}()
	}
	for _, op := range acc.Operations {
		var tasks []mesos.TaskInfo
		switch op.Type {
		case mesos.Offer_Operation_LAUNCH:
			tasks = op.GetLaunch().GetTaskInfos()
		case mesos.Offer_Operation_LAUNCH_GROUP:
			for _, t := range op.GetLaunchGroup().GetTaskGroup().Tasks {
				c.masterUpdateLocked(fw, t.TaskID, &t.AgentID, mesos.TASK_ERROR, mesos.REASON_TASK_GROUP_INVALID,
					"LAUNCH_GROUP is not supported by the embedded cluster")
			}
			continue
		default:
			continue // reservations and volumes do not apply to unreserved local agents
		}
		for i := range tasks {
			ti := &tasks[i]
			if len(invalid) > 0 {
				c.invalidOfferLocked(fw, ti, "Task launched with invalid offers: "+strings.Join(invalid, "; "))
				continue
			}
			c.launchLocked(fw, agent, &pool, &ports, ti)
		}
	}
}

// invalidOfferLocked fails a task launched on an unknown or expired offer:
// TASK_DROPPED for partition-aware frameworks, else TASK_LOST.
func (c *Cluster) invalidOfferLocked(fw *framework, ti *mesos.TaskInfo, msg string) {
	state := mesos.TASK_LOST
	if fw.partitionAware {
		state = mesos.TASK_DROPPED
	}
	c.masterUpdateLocked(fw, ti.TaskID, &ti.AgentID, state, mesos.REASON_INVALID_OFFERS, msg)
}

// launchLocked validates a task against the remaining pool and starts it.
func (c *Cluster) launchLocked(fw *framework, a *agent, pool *res, ports *mesos.Ranges, ti *mesos.TaskInfo) {
	fail := func(format string, args ...any) {
		c.masterUpdateLocked(fw, ti.TaskID, &ti.AgentID, mesos.TASK_ERROR, mesos.REASON_TASK_INVALID, fmt.Sprintf(format, args...))
	}
	need, needPorts, err := parseResources(ti.Resources)
	// The checks and messages of Mesos's validation::task (validation.cpp),
	// in its order.
	switch {
	case ti.TaskID.Value == "":
		fail("Task ID must not be empty")
	case fw.tasks[ti.TaskID.Value] != nil:
		fail("Task has duplicate ID: %s", ti.TaskID.Value)
	case ti.AgentID.Value != a.id:
		fail("Task uses invalid agent %s while agent %s is expected", ti.AgentID.Value, a.id)
	case len(ti.Resources) == 0:
		fail("Task uses no resources")
	case (ti.Executor != nil) == (ti.Command != nil):
		fail("Task should have at least one (but not both) of CommandInfo or ExecutorInfo present")
	case ti.Executor != nil:
		fail("Custom executors are not supported by the embedded cluster; use a command task")
	case hasImage(ti.Container):
		fail("Task %s asks for a container image; the embedded agents run commands on this machine and cannot run images: use a Mesos cluster", ti.TaskID.Value)
	case ti.Command.GetShell() && ti.Command.GetValue() == "":
		fail("Shell command of task %s is empty", ti.TaskID.Value)
	case err != nil:
		fail("Task %s: %v", ti.TaskID.Value, err)
	case !pool.contains(need) || !containsPorts(*ports, needPorts):
		fail("Total resources %s required by task and its executor is more than available %s",
			formatResources(allocated(ti.Resources, fw.role)), formatResources(withPorts(*pool, *ports, fw.role)))
	default:
		*pool = pool.minus(need)
		*ports = removePorts(*ports, needPorts)
		a.used = a.used.plus(need)
		a.ports = removePorts(a.ports, needPorts)
		t := &task{
			id:     ti.TaskID.Value,
			name:   ti.Name,
			user:   userOf(fw, ti),
			fw:     fw,
			agent:  a,
			info:   *ti,
			res:    need,
			ports:  needPorts,
			state:  mesos.TASK_STAGING,
			killCh: make(chan struct{}),
		}
		t.latest = mesos.TaskStatus{TaskID: ti.TaskID, State: mesos.TASK_STAGING.Enum(), AgentID: &ti.AgentID}
		fw.tasks[t.id] = t
		c.log.Debug("launching task", "framework", fw.id, "task", t.id, "agent", a.id, "resources", need.String())
		c.wg.Add(1)
		go c.runTask(t)
	}
}

// masterUpdateLocked sends an update the master itself generates; like
// Mesos it carries no uuid and needs no acknowledgement.
func (c *Cluster) masterUpdateLocked(fw *framework, taskID mesos.TaskID, agentID *mesos.AgentID, state mesos.TaskState, reason mesos.TaskStatus_Reason, msg string) {
	c.sendMasterUpdateLocked(fw, mesos.TaskStatus{
		TaskID:  taskID,
		State:   state.Enum(),
		Message: &msg,
		Source:  mesos.SOURCE_MASTER.Enum(),
		Reason:  reason.Enum(),
		AgentID: agentID,
	})
}

// sendMasterUpdateLocked stamps and sends an update of the master's own.
func (c *Cluster) sendMasterUpdateLocked(fw *framework, st mesos.TaskStatus) {
	st.Timestamp = timestamp()
	if st.AgentID != nil && st.AgentID.Value == "" {
		st.AgentID = nil
	}
	c.log.Debug("task update from master", "framework", fw.id, "task", st.TaskID.Value, "state", st.GetState().String(), "message", st.GetMessage())
	fw.send(&scheduler.Event{Type: scheduler.Event_UPDATE, Update: &scheduler.Event_Update{Status: st}})
}

func timestamp() *float64 {
	ts := float64(time.Now().UnixNano()) / 1e9
	return &ts
}

// allocated is rs with allocation_info.role set where it is missing, as
// Mesos injects it into the operations of a framework that is not MULTI_ROLE.
func allocated(rs []mesos.Resource, role string) []mesos.Resource {
	out := make([]mesos.Resource, len(rs))
	for i, r := range rs {
		if r.AllocationInfo == nil {
			rl := role
			r.AllocationInfo = &mesos.Resource_AllocationInfo{Role: &rl}
		}
		out[i] = r
	}
	return out
}

// hasImage reports whether a task's container runs an image (Docker, or
// the Mesos containerizer with an image), which the embedded agents cannot.
func hasImage(ci *mesos.ContainerInfo) bool {
	if ci == nil {
		return false
	}
	if ci.GetType() == mesos.ContainerInfo_DOCKER || ci.Docker != nil || ci.GetMesos().GetImage() != nil {
		return true
	}
	for _, v := range ci.Volumes {
		if v.GetImage() != nil {
			return true
		}
	}
	return false
}
