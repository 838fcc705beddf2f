package localcluster

import (
	"net/http"
	"sort"
	"strconv"
	"strings"
	"time"

	mesos "github.com/mesos/mesos-go/api/v1/lib"
)

// The master's /metrics/snapshot, as Mesos 1.11 serves it: one flat JSON
// object of numbers (each written with a decimal point, 2.0 rather than 2)
// under the keys monitoring tools read. Only the master's task, framework,
// agent and resource keys are served, not the hundreds of message and
// operation counters a Mesos master adds, nor allocator/, registrar/ and
// system/ keys. As in Mesos, the tasks_* keys of states a task passes
// through (staging, starting, running, killing, unreachable) count the
// tasks in that state now, and those of terminal states count the tasks
// that reached it since the master started; *_used counts the resources of
// tasks not yet terminal, not those merely offered.

// terminalCounts counts the tasks that reached each terminal state since
// the master started. It is guarded by Cluster.mu.
type terminalCounts map[mesos.TaskState]float64

// countLocked notes that a task moves from state from to state to (called
// by statusLocked). c.mu must be held.
func (c *Cluster) countLocked(from, to mesos.TaskState) {
	if !isTerminal(to) || isTerminal(from) {
		return
	}
	if c.ended == nil {
		c.ended = terminalCounts{}
	}
	c.ended[to]++
}

// Task states as the snapshot's keys name them: master/tasks_<name>.
var (
	activeStates = map[mesos.TaskState]string{
		mesos.TASK_STAGING: "staging", mesos.TASK_STARTING: "starting", mesos.TASK_RUNNING: "running",
		mesos.TASK_KILLING: "killing", mesos.TASK_UNREACHABLE: "unreachable",
	}
	terminalStates = map[mesos.TaskState]string{
		mesos.TASK_FINISHED: "finished", mesos.TASK_FAILED: "failed", mesos.TASK_KILLED: "killed",
		mesos.TASK_LOST: "lost", mesos.TASK_ERROR: "error", mesos.TASK_DROPPED: "dropped",
		mesos.TASK_GONE: "gone", mesos.TASK_GONE_BY_OPERATOR: "gone_by_operator",
	}
)

// snapshotHandler serves /metrics/snapshot; uptime counts from its creation.
func (c *Cluster) snapshotHandler() http.Handler {
	start := time.Now()
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body := encodeSnapshot(c.snapshot(time.Since(start)))
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Content-Length", strconv.Itoa(len(body)))
		w.Write(body)
	})
}

// snapshot reads the master's metrics.
func (c *Cluster) snapshot(uptime time.Duration) map[string]float64 {
	m := map[string]float64{
		"master/elected":     1,
		"master/uptime_secs": uptime.Seconds(),
	}
	for _, name := range activeStates {
		m["master/tasks_"+name] = 0
	}
	for _, name := range terminalStates {
		m["master/tasks_"+name] = 0
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	for st, n := range c.ended {
		m["master/tasks_"+terminalStates[st]] = n
	}
	var connected, disconnected float64
	for _, fw := range c.state.frameworks {
		if fw.stream != nil {
			connected++
		} else {
			disconnected++
		}
		for _, t := range fw.tasks {
			if name, ok := activeStates[t.state]; ok {
				m["master/tasks_"+name]++
			}
		}
	}
	// A connected framework is active; one failing over is inactive.
	m["master/frameworks_active"], m["master/frameworks_connected"] = connected, connected
	m["master/frameworks_inactive"], m["master/frameworks_disconnected"] = disconnected, disconnected
	agents := float64(len(c.state.agents))
	m["master/slaves_active"], m["master/slaves_connected"] = agents, agents
	m["master/slaves_inactive"], m["master/slaves_disconnected"], m["master/slaves_unreachable"] = 0, 0, 0
	m["master/outstanding_offers"] = float64(len(c.state.offers))
	var total, used res
	for _, a := range c.state.agents {
		total, used = total.plus(a.total), used.plus(a.used)
	}
	for _, r := range []struct {
		name        string
		total, used float64
	}{{"cpus", total.cpus, used.cpus}, {"mem", total.mem, used.mem}, {"disk", total.disk, used.disk}, {"gpus", 0, 0}} {
		m["master/"+r.name+"_total"] = r.total
		m["master/"+r.name+"_used"] = r.used
		m["master/"+r.name+"_percent"] = 0
		if r.total > 0 {
			m["master/"+r.name+"_percent"] = r.used / r.total
		}
		for _, k := range []string{"total", "used", "percent"} {
			m["master/"+r.name+"_revocable_"+k] = 0 // no revocable resources here
		}
	}
	return m
}

// encodeSnapshot writes the snapshot as Mesos does: keys sorted, every
// number with a decimal point, no trailing newline.
func encodeSnapshot(m map[string]float64) []byte {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	b := []byte{'{'}
	for i, k := range keys {
		if i > 0 {
			b = append(b, ',')
		}
		b = strconv.AppendQuote(b, k)
		b = append(b, ':')
		num := strconv.FormatFloat(m[k], 'f', -1, 64)
		if !strings.Contains(num, ".") {
			num += ".0"
		}
		b = append(b, num...)
	}
	return append(b, '}')
}
