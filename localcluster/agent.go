package localcluster

import (
	"fmt"
	"math"
	"net"
	"net/http"
	"path/filepath"
	"strings"
	"time"

	mesos "github.com/mesos/mesos-go/api/v1/lib"

	"github.com/batchd/batchd/localcluster/fetch"
)

// res is an amount of the scalar resources an agent has.
type res struct{ cpus, mem, disk float64 }

const epsilon = 1e-6

// Sums and differences are rounded to three decimal places, as Mesos does
// (its scalar resources are fixed-point: 2 cpus less twenty tasks of 0.1 is
// 0, not 1.1e-16, and 0.1 of them is offered as 0.1, not 0.09999999999999987).
func (r res) plus(o res) res {
	return res{fixed(r.cpus + o.cpus), fixed(r.mem + o.mem), fixed(r.disk + o.disk)}
}

func (r res) minus(o res) res {
	return res{fixed(r.cpus - o.cpus), fixed(r.mem - o.mem), fixed(r.disk - o.disk)}
}

// fixed rounds x to Mesos' precision for scalar values, 0.001.
func fixed(x float64) float64 { return math.Round(x*1000) / 1000 }

func (r res) contains(o res) bool {
	return o.cpus <= r.cpus+epsilon && o.mem <= r.mem+epsilon && o.disk <= r.disk+epsilon
}

// allocatable follows Mesos' minimum: some cpus or some memory.
func (r res) allocatable() bool { return r.cpus >= 0.01 || r.mem >= 32 }

func (r res) String() string {
	return fmt.Sprintf("cpus:%g; mem:%g; disk:%g", r.cpus, r.mem, r.disk)
}

// resources is r as Mesos resources, with allocation_info.role when role is set.
func (r res) resources(role string) []mesos.Resource {
	return withPorts(r, nil, role)
}

// withPorts is r and the port ranges as Mesos resources of role "*", with
// allocation_info.role when role is set.
func withPorts(r res, ports mesos.Ranges, role string) []mesos.Resource {
	var out []mesos.Resource
	add := func(rs mesos.Resource) {
		star := "*"
		rs.Role = &star
		if role != "" {
			rl := role
			rs.AllocationInfo = &mesos.Resource_AllocationInfo{Role: &rl}
		}
		out = append(out, rs)
	}
	// Mesos's order: an agent's default ports come first.
	if len(ports) > 0 {
		add(mesos.Resource{Name: "ports", Type: mesos.RANGES.Enum(), Ranges: &mesos.Value_Ranges{Range: ports.Clone()}})
	}
	for _, s := range []struct {
		name string
		v    float64
	}{{"cpus", r.cpus}, {"mem", r.mem}, {"disk", r.disk}} {
		if s.v >= epsilon {
			add(mesos.Resource{Name: s.name, Type: mesos.SCALAR.Enum(), Scalar: &mesos.Value_Scalar{Value: s.v}})
		}
	}
	return out
}

// parseResources sums a task's resources; it refuses any the agents do not offer.
func parseResources(rs []mesos.Resource) (res, mesos.Ranges, error) {
	var (
		r     res
		ports mesos.Ranges
	)
	for _, x := range rs {
		switch {
		case x.Name == "ports" && x.GetType() == mesos.RANGES:
			for _, rg := range x.GetRanges().GetRange() {
				if rg.Begin > rg.End {
					return r, nil, fmt.Errorf("port range [%d-%d] is empty", rg.Begin, rg.End)
				}
				ports = append(ports, rg)
			}
			continue
		case x.GetType() != mesos.SCALAR || x.Scalar == nil:
			return r, nil, fmt.Errorf("resource %q is not offered by this cluster", x.Name)
		}
		switch x.Name {
		case "cpus":
			r.cpus += x.Scalar.Value
		case "mem":
			r.mem += x.Scalar.Value
		case "disk":
			r.disk += x.Scalar.Value
		default:
			return r, nil, fmt.Errorf("resource %q is not offered by this cluster", x.Name)
		}
	}
	return r, ports.Sort().Squash(), nil
}

// containsPorts reports whether every port in need is in have (both squashed).
func containsPorts(have, need mesos.Ranges) bool {
	for _, n := range need {
		ok := false
		for _, h := range have {
			if n.Begin >= h.Begin && n.End <= h.End {
				ok = true
				break
			}
		}
		if !ok {
			return false
		}
	}
	return true
}

func removePorts(from, ports mesos.Ranges) mesos.Ranges {
	for _, p := range ports {
		from = from.Remove(p)
	}
	return from
}

func addPorts(to, ports mesos.Ranges) mesos.Ranges {
	return append(to.Clone(), ports...).Sort().Squash()
}

// agent is one simulated Mesos agent.
type agent struct {
	id       string
	path     string // the URL path a Mesos agent would have, /slave(N)
	dir      string
	absDir   string       // dir made absolute, as the files API names it
	ln       net.Listener // the agent's own HTTP address (files API)
	srv      *http.Server
	total    res
	used     res          // by tasks not yet terminal
	ports    mesos.Ranges // free ports
	allPorts mesos.Ranges // its ports, free or not
	attrs    []mesos.Attribute
	offers   map[string]*offer // outstanding offers of this agent's resources, by id
	fetcher  *fetch.Fetcher
	spares   spares // recycled sandboxes (recycle.go)
	lost     bool   // killed by KillAgent (faults.go): it reports nothing more
}

func (a *agent) free() res { return a.total.minus(a.used) }

// unoffered is what of the agent's free resources and ports no outstanding
// offer holds: as in Mesos, resources freed while an offer is outstanding
// go out in an offer of their own, without waiting for that one's answer.
func (a *agent) unoffered() (res, mesos.Ranges) {
	r, ports := a.free(), a.ports
	for _, o := range a.offers {
		r = r.minus(o.res)
		ports = removePorts(ports, o.ports)
	}
	return r, ports
}

// sandbox is the folder a task runs in, laid out as a Mesos agent does.
func (a *agent) sandbox(fwID, taskID, runID string) string {
	return filepath.Join(a.dir, "frameworks", fwID, "executors", safeName(taskID), "runs", runID)
}

func safeName(s string) string {
	s = strings.ReplaceAll(s, "/", "_")
	if s == "." || s == ".." {
		s = "_" + s
	}
	return s
}

// task is a task the master accepted.
type task struct {
	id          string
	name        string
	user        string // it runs as (user.go)
	fw          *framework
	agent       *agent
	info        mesos.TaskInfo
	res         res
	ports       mesos.Ranges
	state       mesos.TaskState
	latest      mesos.TaskStatus
	statuses    []mesos.TaskStatus // every update sent, for the state endpoints
	sandbox     string
	containerID string // the run's id, once the agent has started it

	// The status update manager's queue: the head is sent and resent until
	// acknowledged, the rest wait behind it.
	pending    []mesos.TaskStatus
	nextResend time.Time
	backoff    time.Duration

	killCh    chan struct{} // closed by the first KILL
	killGrace time.Duration

	// forgotten: the master no longer tracks the task (its terminal update
	// was acknowledged, or its framework torn down); acked, made on demand,
	// is closed then.
	forgotten bool
	acked     chan struct{}
}

// ackedLocked returns a channel closed once the master forgets the task.
func (t *task) ackedLocked() <-chan struct{} {
	if t.acked == nil {
		t.acked = make(chan struct{})
		if t.forgotten {
			close(t.acked)
		}
	}
	return t.acked
}

// forgetLocked notes that the master forgot the task.
func (t *task) forgetLocked() {
	if t.forgotten {
		return
	}
	t.forgotten = true
	if t.acked != nil {
		close(t.acked)
	}
}

func (t *task) terminal() bool { return isTerminal(t.state) }

func isTerminal(s mesos.TaskState) bool {
	switch s {
	case mesos.TASK_FINISHED, mesos.TASK_FAILED, mesos.TASK_KILLED, mesos.TASK_LOST,
		mesos.TASK_ERROR, mesos.TASK_DROPPED, mesos.TASK_GONE, mesos.TASK_GONE_BY_OPERATOR:
		return true
	}
	return false
}

// kill asks the task's executor to stop it, SIGKILLing after grace.
func (t *task) kill(grace time.Duration) {
	select {
	case <-t.killCh:
	default:
		t.killGrace = grace
		close(t.killCh)
	}
}
