package localcluster

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	mesos "github.com/mesos/mesos-go/api/v1/lib"
	"github.com/mesos/mesos-go/api/v1/lib/scheduler"
	"github.com/mesos/mesos-go/api/v1/lib/scheduler/calls"
)

// TestKillAgent: a killed agent's running task is reported lost by the
// master (TASK_LOST with REASON_AGENT_REMOVED, or TASK_UNREACHABLE to a
// partition-aware framework), its process dies, a FAILURE names the agent,
// its outstanding offer is rescinded, it is never offered again, and its
// files API stops answering; the other agent carries on.
func TestKillAgent(t *testing.T) {
	for _, tt := range []struct {
		name           string
		partitionAware bool
		want           mesos.TaskState
	}{
		{"plain framework", false, mesos.TASK_LOST},
		{"partition-aware framework", true, mesos.TASK_UNREACHABLE},
	} {
		t.Run(tt.name, func(t *testing.T) {
			c := startCluster(t, Config{Agents: 2, CPUs: 1})
			info := frameworkInfo("faults")
			if tt.partitionAware {
				info.Capabilities = []mesos.FrameworkInfo_Capability{{Type: mesos.FrameworkInfo_Capability_PARTITION_AWARE}}
			}
			f := subscribe(t, c, protobufCodec(), info)
			byAgent := map[string]mesos.Offer{}
			for len(byAgent) < 2 {
				for _, o := range f.offers() {
					byAgent[o.AgentID.Value] = o
				}
			}
			ids := c.AgentIDs()
			dead, live := byAgent[ids[0]], byAgent[ids[1]]
			doomed := shellTask("doomed", "echo $$ > pid; exec sleep 1000")
			doomed.Resources = res{cpus: 0.5, mem: 32}.resources("")
			f.launch(dead, doomed)
			f.waitState("doomed", mesos.TASK_RUNNING)
			pid := runningPID(t, c, "doomed")
			deadFiles := dead.URL.Address

			// The dead agent's remaining half cpu is offered again (REVIVE
			// clears the launch's filter): that offer must be rescinded.
			f.call(calls.Revive())
			var held mesos.Offer
			for held.ID.Value == "" {
				for _, o := range f.offers() {
					if o.AgentID.Value == dead.AgentID.Value {
						held = o
					}
				}
			}
			if err := c.KillAgent(dead.AgentID.Value); err != nil {
				t.Fatal(err)
			}
			if ev := f.next(scheduler.Event_RESCIND); ev.Rescind.OfferID != held.ID {
				t.Errorf("rescinded %s, want the dead agent's offer %s", ev.Rescind.OfferID.Value, held.ID.Value)
			}
			st := f.waitState("doomed", tt.want)
			if st.GetSource() != mesos.SOURCE_MASTER || st.GetReason() != mesos.REASON_AGENT_REMOVED || len(st.UUID) != 0 ||
				!strings.Contains(st.GetMessage(), dead.AgentID.Value) {
				t.Errorf("lost update %v %v %q uuid %x; want from the master, REASON_AGENT_REMOVED, naming the agent, no uuid",
					st.GetSource(), st.GetReason(), st.GetMessage(), st.UUID)
			}
			if ev := f.next(scheduler.Event_FAILURE); ev.Failure.GetAgentID().GetValue() != dead.AgentID.Value || ev.Failure.ExecutorID != nil {
				t.Errorf("FAILURE %+v, want one naming agent %s alone", ev.Failure, dead.AgentID.Value)
			}
			waitExited(t, pid, "after its agent was killed")
			f.call(calls.Reconcile(calls.ReconcileTasks(map[string]string{"doomed": dead.AgentID.Value})))
			if st := f.update(false); st.GetState() != tt.want || st.GetMessage() != "Reconciliation: Task is unreachable" {
				t.Errorf("reconciling the lost task: %v %q, want %v \"Reconciliation: Task is unreachable\"", st.GetState(), st.GetMessage(), tt.want)
			}
			if _, err := http.Get("http://" + deadFiles.GetIP() + ":" + strconv.Itoa(int(deadFiles.Port)) + "/files/browse?path=/"); err == nil {
				t.Error("the dead agent's files API still answers")
			}
			if err := c.KillAgent(dead.AgentID.Value); err != nil {
				t.Errorf("killing it again: %v", err)
			}
			if err := c.KillAgent("nope"); !errors.Is(err, ErrUnknownAgent) {
				t.Errorf("killing an unknown agent: %v, want ErrUnknownAgent", err)
			}
			if tasks := c.Tasks(); len(tasks) != 0 {
				t.Errorf("the master still tracks %+v", tasks)
			}
			var state struct {
				Slaves      []struct{ ID string } `json:"slaves"`
				Unreachable float64               `json:"unreachable_slaves"`
			}
			resp, err := http.Get(c.URL() + "/master/state")
			if err != nil {
				t.Fatal(err)
			}
			err = json.NewDecoder(resp.Body).Decode(&state)
			resp.Body.Close()
			if err != nil || len(state.Slaves) != 1 || state.Slaves[0].ID != live.AgentID.Value || state.Unreachable != 1 {
				t.Errorf("/master/state: %+v (%v), want the live agent alone and one unreachable", state, err)
			}

			// The live agent runs a task; the dead one offers nothing more.
			f.launch(live, commandTask("alive", 0.5, 32, "true"))
			f.waitState("alive", mesos.TASK_FINISHED)
			f.call(calls.Revive())
			for _, o := range f.offers() { // the live agent's, freed
				if o.AgentID.Value == dead.AgentID.Value {
					t.Fatalf("the dead agent was offered again: %v", o.ID.Value)
				}
			}
		})
	}
}

// runningPID is the pid a running task wrote to the file "pid" in its sandbox.
func runningPID(t *testing.T, c *Cluster, taskID string) int {
	t.Helper()
	pid := waitFile(t, c, taskID, "pid")
	n, err := strconv.Atoi(strings.TrimSpace(pid))
	if err != nil {
		t.Fatalf("pid file of %s: %q", taskID, pid)
	}
	return n
}

// TestDropSubscribers: a dropped subscriber's stream ends, its task keeps
// running, and the update it missed is delivered when it subscribes again
// with its framework id.
func TestDropSubscribers(t *testing.T) {
	c := startCluster(t, Config{})
	info := frameworkInfo("drop")
	timeout := 60.0
	info.FailoverTimeout = &timeout
	f := subscribe(t, c, protobufCodec(), info)
	o := f.offers()[0]
	f.launch(o, shellTask("t", "read x < /dev/null; sleep 0.5"))
	f.waitState("t", mesos.TASK_RUNNING)
	if n := c.DropSubscribers(); n != 1 {
		t.Fatalf("dropped %d streams, want 1", n)
	}
	if err := f.ended(); err != nil {
		t.Fatalf("the stream did not end: %v", err)
	}
	info.ID = &mesos.FrameworkID{Value: f.id}
	g := subscribe(t, c, protobufCodec(), info)
	if g.id != f.id {
		t.Fatalf("re-subscribed as %s, want %s", g.id, f.id)
	}
	g.waitState("t", mesos.TASK_FINISHED)
	if ids := c.Subscribed(); len(ids) != 1 || ids[0] != f.id {
		t.Errorf("subscribed frameworks %v, want [%s]", ids, f.id)
	}
}

// TestUnavailable: while the master is "recovering" every scheduler call,
// SUBSCRIBE included, is answered 503 as Mesos does; afterwards the
// framework subscribes again with its id and gets the update it missed.
func TestUnavailable(t *testing.T) {
	c := startCluster(t, Config{})
	info := frameworkInfo("down")
	timeout := 60.0
	info.FailoverTimeout = &timeout
	f := subscribe(t, c, protobufCodec(), info)
	f.launch(f.offers()[0], shellTask("t", "sleep 0.2"))
	f.waitState("t", mesos.TASK_RUNNING)
	const down = 300 * time.Millisecond
	start := time.Now()
	if n := c.Unavailable(down); n != 1 {
		t.Fatalf("dropped %d streams, want 1", n)
	}
	if err := f.ended(); err != nil {
		t.Fatalf("the stream did not end: %v", err)
	}
	resp, err := http.Post(c.URL()+"/api/v1/scheduler", "application/json", strings.NewReader(`{"type":"SUBSCRIBE"}`))
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if time.Since(start) < down && (resp.StatusCode != http.StatusServiceUnavailable || string(body) != "Master has not finished recovery") {
		t.Errorf("during the outage: %d %q, want 503 \"Master has not finished recovery\"", resp.StatusCode, body)
	}
	time.Sleep(time.Until(start.Add(down))) // the outage's end is a time, not an event
	info.ID = &mesos.FrameworkID{Value: f.id}
	g := subscribe(t, c, protobufCodec(), info)
	g.waitState("t", mesos.TASK_FINISHED)
}
