package localcluster

import (
	"testing"
	"time"

	"github.com/mesos/mesos-go/api/v1/lib/scheduler/calls"
)

// TestForgetsFinishedTasks runs a thousand short tasks and checks that
// the master keeps nothing of them once their terminal updates are
// acknowledged: no tasks, offers, filters or queued updates grow with the
// number of tasks run.
func TestForgetsFinishedTasks(t *testing.T) {
	n := 1000
	if testing.Short() {
		n = 200
	}
	const agents = 2
	c := startCluster(t, Config{Agents: agents, CPUs: 10, OfferInterval: time.Hour, RemoveFinishedSandboxes: true})
	f := subscribe(t, c, protobufCodec(), frameworkInfo("many"))
	runTasks(t, f, n, "true")

	// Every agent offered whole again: every task has released its resources.
	f.call(calls.Revive())
	whole := map[string]bool{}
	for len(whole) < agents {
		for _, o := range f.offers() {
			if r, _, _ := parseResources(o.Resources); r.cpus == 10 {
				whole[o.AgentID.Value] = true
				continue
			}
			f.call(calls.Decline(o.ID).With(calls.RefuseSeconds(0)))
		}
	}

	c.mu.Lock()
	defer c.mu.Unlock()
	m := &c.state
	if len(m.frameworks) != 1 {
		t.Fatalf("%d frameworks, want 1", len(m.frameworks))
	}
	fw := m.frameworks[f.id]
	if len(fw.tasks) != 0 {
		t.Errorf("master still knows %d of %d acknowledged finished tasks", len(fw.tasks), n)
	}
	if len(fw.filters) > agents {
		t.Errorf("%d refuse filters for %d agents", len(fw.filters), agents)
	}
	if len(m.offers) > agents {
		t.Errorf("%d outstanding offers for %d agents", len(m.offers), agents)
	}
	for i, a := range m.agents {
		if a.used != (res{}) {
			t.Errorf("agent %s still has %v in use", a.id, a.used)
		}
		if len(a.ports) != 1 || a.ports[0].Begin != uint64(31000+1001*i) || a.ports[0].End != uint64(32000+1001*i) {
			t.Errorf("agent %s free ports %v, want its whole range", a.id, a.ports)
		}
	}
}
