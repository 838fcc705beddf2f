package localcluster

import (
	"fmt"
	"sort"
	"time"

	mesos "github.com/mesos/mesos-go/api/v1/lib"
	"github.com/mesos/mesos-go/api/v1/lib/scheduler"
)

// Faults a test (or an operator) can inject into a running cluster, as a
// real one meets them: an agent machine dying, and the master dropping its
// subscribers' connections.

// ErrUnknownAgent is returned by KillAgent for an id no agent of the cluster has.
var ErrUnknownAgent = fmt.Errorf("localcluster: unknown agent")

// TaskStatus is what the master knows of one task: its framework, its
// agent and the state of its latest update.
type TaskStatus struct {
	ID, FrameworkID, AgentID, State string
}

// AgentIDs lists the agents' ids in the order they were created, those
// killed included.
func (c *Cluster) AgentIDs() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	ids := make([]string, len(c.state.agents))
	for i, a := range c.state.agents {
		ids[i] = a.id
	}
	return ids
}

// Tasks lists the tasks the master tracks (terminal ones until their last
// update is acknowledged), sorted by framework and id.
func (c *Cluster) Tasks() []TaskStatus {
	c.mu.Lock()
	defer c.mu.Unlock()
	var out []TaskStatus
	for _, fw := range c.state.frameworks {
		for _, t := range fw.tasks {
			out = append(out, TaskStatus{ID: t.id, FrameworkID: fw.id, AgentID: t.agent.id, State: t.state.String()})
		}
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].FrameworkID != out[j].FrameworkID {
			return out[i].FrameworkID < out[j].FrameworkID
		}
		return out[i].ID < out[j].ID
	})
	return out
}

// Subscribed lists the ids of the frameworks with an open event stream.
func (c *Cluster) Subscribed() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	var ids []string
	for _, fw := range c.state.frameworks {
		if fw.stream != nil {
			ids = append(ids, fw.id)
		}
	}
	sort.Strings(ids)
	return ids
}

// KillAgent makes agent id die as a machine does: its task processes are
// SIGKILLed without a word from the agent, and its files API stops
// answering. The master then does what Mesos does when it removes an
// unreachable agent (master.cpp, markUnreachable): its outstanding offers
// are rescinded; each task on it is reported TASK_LOST (TASK_UNREACHABLE to
// a partition-aware framework) by the master, with REASON_AGENT_REMOVED,
// and forgotten; every subscriber gets a FAILURE naming the agent. Nothing
// is offered from the agent again. Killing an agent twice is a no-op.
func (c *Cluster) KillAgent(id string) error {
	c.mu.Lock()
	a := c.state.agent(id)
	if a == nil {
		c.mu.Unlock()
		return fmt.Errorf("killing agent %s: %w", id, ErrUnknownAgent)
	}
	if a.lost {
		c.mu.Unlock()
		return nil
	}
	c.log.Info("agent killed", "agent", id)
	a.lost = true
	a.total = res{} // a dead machine has nothing to offer
	for _, o := range a.offers {
		c.removeOfferLocked(o)
		o.fw.send(&scheduler.Event{Type: scheduler.Event_RESCIND, Rescind: &scheduler.Event_Rescind{OfferID: mesos.OfferID{Value: o.id}}})
	}
	msg := fmt.Sprintf("Agent %s (%s) is unreachable: killed", id, c.state.hostname)
	for _, fw := range c.state.frameworks {
		for _, t := range fw.tasks {
			if t.agent != a {
				continue
			}
			if !t.terminal() {
				state := mesos.TASK_LOST
				if fw.partitionAware {
					state = mesos.TASK_UNREACHABLE
				}
				t.state = state
				c.masterUpdateLocked(fw, mesos.TaskID{Value: t.id}, &mesos.AgentID{Value: id}, state, mesos.REASON_AGENT_REMOVED, msg)
				t.kill(0) // the processes die with the machine
			}
			// Updates the agent had not got through die with it too.
			t.pending = nil
			delete(fw.tasks, t.id)
			t.forgetLocked()
		}
		fw.send(&scheduler.Event{Type: scheduler.Event_FAILURE, Failure: &scheduler.Event_Failure{AgentID: &mesos.AgentID{Value: id}}})
	}
	srv := a.srv
	c.mu.Unlock()
	if srv != nil {
		srv.Close() // its files API goes with it
	}
	return nil
}

// Unavailable makes the master act as one that restarted and is recovering
// for d: it ends every framework's event stream (as DropSubscribers does)
// and answers every scheduler API call with 503 "Master has not finished
// recovery" until d has passed. Its agents, their tasks and the frameworks'
// state are kept, as a master recovering from its registry keeps them. It
// returns how many streams it ended.
func (c *Cluster) Unavailable(d time.Duration) int {
	c.mu.Lock()
	c.state.downUntil = time.Now().Add(d)
	c.mu.Unlock()
	c.log.Info("master unavailable", "for", d)
	return c.DropSubscribers()
}

// recovering reports whether the master is within an Unavailable period.
func (c *Cluster) recovering() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return time.Now().Before(c.state.downUntil)
}

// DropSubscribers ends every framework's event stream as a broken
// connection would: the master counts each framework disconnected (its
// offers go back to the pool and its failover timeout starts) and keeps its
// tasks running; their updates wait for the framework to subscribe again.
// It returns how many streams it ended.
func (c *Cluster) DropSubscribers() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	n := 0
	for _, fw := range c.state.frameworks {
		if fw.stream != nil {
			fw.stream.close() // serveStream ends the response and calls streamLost
			n++
		}
	}
	c.log.Info("dropped subscribers' connections", "streams", n)
	return n
}

// reconcileAgent is the agent a RECONCILE names, or nil.
func (c *Cluster) reconcileAgent(id *mesos.AgentID) *agent {
	if id == nil {
		return nil
	}
	return c.state.agent(id.Value)
}
