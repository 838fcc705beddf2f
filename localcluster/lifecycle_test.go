package localcluster

import (
	"bytes"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	mesos "github.com/mesos/mesos-go/api/v1/lib"
	"github.com/mesos/mesos-go/api/v1/lib/scheduler"
	"github.com/mesos/mesos-go/api/v1/lib/scheduler/calls"
)

func TestKill(t *testing.T) {
	tests := []struct {
		name   string
		script string
		grace  time.Duration
		want   string
	}{
		{name: "SIGTERM ends the task", script: "exec sleep 1000", want: "terminated with signal Terminated"},
		{name: "SIGKILL after the grace period", script: "trap '' TERM; echo started; while :; do sleep 0.05; done", grace: 200 * time.Millisecond, want: "signal Killed"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := startCluster(t, Config{})
			f := subscribe(t, c, protobufCodec(), frameworkInfo("kill"))
			ti := shellTask("k", tc.script)
			f.launch(f.offers()[0], ti)
			f.waitState("k", mesos.TASK_RUNNING)
			if strings.Contains(tc.script, "started") {
				waitFile(t, c, "k", "stdout") // the trap is set
			}
			kill := calls.Kill("k", "")
			if tc.grace > 0 {
				kill.Kill.KillPolicy = &mesos.KillPolicy{GracePeriod: &mesos.DurationInfo{Nanoseconds: tc.grace.Nanoseconds()}}
			}
			f.call(kill)
			st := f.waitState("k", mesos.TASK_KILLED)
			if !strings.Contains(st.GetMessage(), tc.want) {
				t.Errorf("message %q, want %q", st.GetMessage(), tc.want)
			}
		})
	}
}

func TestOfferControl(t *testing.T) {
	tests := []struct {
		name string
		stop func(f *testFramework, o mesos.Offer) // keeps the agent from being offered
	}{
		{name: "decline filter", stop: func(f *testFramework, o mesos.Offer) {
			f.call(calls.Decline(o.ID).With(calls.RefuseSeconds(time.Hour)))
		}},
		{name: "suppress", stop: func(f *testFramework, o mesos.Offer) {
			f.call(calls.Suppress())
			f.call(calls.Decline(o.ID).With(calls.RefuseSeconds(0)))
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			// Heartbeats every 4 allocation rounds are the clock: no offer may come in 3 of them.
			c := startCluster(t, Config{OfferInterval: 25 * time.Millisecond, HeartbeatInterval: 100 * time.Millisecond})
			f := subscribe(t, c, jsonCodec(), frameworkInfo(tc.name))
			tc.stop(f, f.offers()[0])
			for beats := 0; beats < 3; {
				switch ev := <-f.events; ev.Type {
				case scheduler.Event_OFFERS:
					t.Fatalf("offer %v arrived while refused", ev.Offers.Offers[0].ID)
				case scheduler.Event_HEARTBEAT:
					beats++
				}
			}
			f.call(calls.Revive())
			if len(f.offers()) != 1 {
				t.Error("no offer after REVIVE")
			}
		})
	}
}

func TestDeclineRefusesSeconds(t *testing.T) {
	c := startCluster(t, Config{Agents: 2})
	f := subscribe(t, c, protobufCodec(), frameworkInfo("decline"))
	var offers []mesos.Offer
	for len(offers) < 2 {
		offers = append(offers, f.offers()...)
	}
	refused := offers[0].AgentID
	f.call(calls.Decline(offers[0].ID).With(calls.RefuseSeconds(time.Hour)))
	f.call(calls.Decline(offers[1].ID).With(calls.RefuseSeconds(0)))
	for i := 0; i < 5; i++ { // the other agent comes back again and again, this one never
		o := f.offers()
		if o[0].AgentID == refused {
			t.Fatalf("agent %v offered within its refuse_seconds", refused)
		}
		f.call(calls.Decline(o[0].ID).With(calls.RefuseSeconds(0)))
	}
}

func TestAgents(t *testing.T) {
	c := startCluster(t, Config{Agents: 3, CPUs: 2, MemMB: 256})
	f := subscribe(t, c, protobufCodec(), frameworkInfo("agents"))
	seen := map[string]bool{}
	for len(seen) < 3 {
		for _, o := range f.offers() {
			seen[o.AgentID.Value] = true
			if r, _ := parseResources(o.Resources); r.cpus != 2 || r.mem != 256 {
				t.Errorf("agent %s offered %v", o.AgentID.Value, r)
			}
		}
	}
}

func TestSeveralTasksOnOneOffer(t *testing.T) {
	c := startCluster(t, Config{CPUs: 3, MemMB: 300})
	f := subscribe(t, c, protobufCodec(), frameworkInfo("several"))
	o := f.offers()[0]
	f.launch(o, commandTask("a", 1, 100, "sleep", "0.2"), commandTask("b", 1, 100, "true"), commandTask("c", 0.5, 100, "true"))
	done := map[string]bool{}
	for len(done) < 3 {
		st := f.update(true)
		if st.GetState() == mesos.TASK_FINISHED {
			done[st.TaskID.Value] = true
		} else if isTerminal(st.GetState()) {
			t.Fatalf("task %s: %v %q", st.TaskID.Value, st.GetState(), st.GetMessage())
		}
	}
	// The unused half cpu and the finished tasks' resources return to the pool.
	for {
		r, _ := parseResources(f.offers()[0].Resources)
		if r.cpus == 3 && r.mem == 300 {
			break
		}
		f.call(calls.Decline(o.ID).With(calls.RefuseSeconds(0)))
	}
}

func TestInvalidOffer(t *testing.T) {
	tests := []struct {
		name           string
		partitionAware bool
		want           mesos.TaskState
	}{
		{name: "lost", want: mesos.TASK_LOST},
		{name: "dropped for partition-aware", partitionAware: true, want: mesos.TASK_DROPPED},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := startCluster(t, Config{})
			info := frameworkInfo(tc.name)
			if tc.partitionAware {
				info.Capabilities = []mesos.FrameworkInfo_Capability{{Type: mesos.FrameworkInfo_Capability_PARTITION_AWARE}}
			}
			f := subscribe(t, c, protobufCodec(), info)
			o := f.offers()[0]
			f.call(calls.Decline(o.ID))
			f.launch(o, commandTask("late", 1, 10, "true"))
			st := f.update(true)
			if st.GetState() != tc.want || st.GetReason() != mesos.REASON_INVALID_OFFERS || !strings.Contains(st.GetMessage(), o.ID.Value) {
				t.Errorf("got %v %v %q", st.GetState(), st.GetReason(), st.GetMessage())
			}
		})
	}
}

func TestReconcile(t *testing.T) {
	c := startCluster(t, Config{})
	f := subscribe(t, c, jsonCodec(), frameworkInfo("reconcile"))
	f.launch(f.offers()[0], shellTask("r", "exec sleep 1000"))
	f.waitState("r", mesos.TASK_RUNNING)
	tests := []struct {
		name  string
		tasks map[string]string
		want  map[string]mesos.TaskState
	}{
		{name: "implicit", want: map[string]mesos.TaskState{"r": mesos.TASK_RUNNING}},
		{name: "explicit", tasks: map[string]string{"r": "", "ghost": ""},
			want: map[string]mesos.TaskState{"r": mesos.TASK_RUNNING, "ghost": mesos.TASK_LOST}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f.call(calls.Reconcile(calls.ReconcileTasks(tc.tasks)))
			got := map[string]mesos.TaskState{}
			for len(got) < len(tc.want) {
				st := f.update(false)
				if st.GetReason() != mesos.REASON_RECONCILIATION || len(st.UUID) != 0 {
					t.Errorf("reconciliation update %v has reason %v, uuid %x", st.TaskID.Value, st.GetReason(), st.UUID)
				}
				got[st.TaskID.Value] = st.GetState()
			}
			for id, want := range tc.want {
				if got[id] != want {
					t.Errorf("task %s reconciled as %v, want %v", id, got[id], want)
				}
			}
		})
	}
}

func TestTeardownKillsTasks(t *testing.T) {
	c := startCluster(t, Config{})
	f := subscribe(t, c, protobufCodec(), frameworkInfo("teardown"))
	f.launch(f.offers()[0], shellTask("t", "echo $$ > pid; exec sleep 1000"))
	f.waitState("t", mesos.TASK_RUNNING)
	pid, err := strconv.Atoi(strings.TrimSpace(waitFile(t, c, "t", "pid")))
	if err != nil {
		t.Fatal(err)
	}
	f.call(&scheduler.Call{Type: scheduler.Call_TEARDOWN})
	if err := f.ended(); err != nil {
		t.Fatalf("event stream after TEARDOWN: %v", err)
	}
	deadline := time.Now().Add(waitFor)
	for syscall.Kill(pid, 0) == nil {
		if time.Now().After(deadline) {
			t.Fatalf("task process %d still alive after TEARDOWN", pid)
		}
		time.Sleep(10 * time.Millisecond)
	}
	if err := f.try(calls.Revive()); err == nil {
		t.Error("call of a torn-down framework accepted")
	}
}

func TestUnacknowledgedUpdateIsResent(t *testing.T) {
	c := startCluster(t, Config{UpdateRetryInterval: 100 * time.Millisecond})
	f := subscribe(t, c, protobufCodec(), frameworkInfo("resend"))
	f.launch(f.offers()[0], commandTask("u", 0.1, 10, "true"))
	first := f.update(false)
	again := f.update(false) // RUNNING waits behind the unacknowledged STARTING
	if first.GetState() != mesos.TASK_STARTING || again.GetState() != mesos.TASK_STARTING || !bytes.Equal(first.UUID, again.UUID) {
		t.Fatalf("got %v then %v (uuids %x, %x), want STARTING resent", first.GetState(), again.GetState(), first.UUID, again.UUID)
	}
	f.call(calls.Acknowledge(first.GetAgentID().GetValue(), "u", first.UUID))
	for _, want := range []mesos.TaskState{mesos.TASK_RUNNING, mesos.TASK_FINISHED} {
		st := f.update(true)
		for st.GetState() == mesos.TASK_STARTING { // a resend already on its way
			st = f.update(true)
		}
		if st.GetState() != want {
			t.Fatalf("got %v, want %v", st.GetState(), want)
		}
	}
}

func TestFailover(t *testing.T) {
	tests := []struct {
		name     string
		timeout  float64
		survives bool
	}{
		{name: "tasks survive a resubscription", timeout: 60, survives: true},
		{name: "teardown after the failover timeout", timeout: 0.1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := startCluster(t, Config{})
			info := frameworkInfo("failover")
			info.FailoverTimeout = &tc.timeout
			f := subscribe(t, c, protobufCodec(), info)
			f.launch(f.offers()[0], shellTask("f", "echo $$ > pid; exec sleep 1000"))
			f.waitState("f", mesos.TASK_RUNNING)
			pid, _ := strconv.Atoi(strings.TrimSpace(waitFile(t, c, "f", "pid")))
			f.close()
			if !tc.survives {
				deadline := time.Now().Add(waitFor)
				for syscall.Kill(pid, 0) == nil {
					if time.Now().After(deadline) {
						t.Fatal("task outlived the failover timeout")
					}
					time.Sleep(10 * time.Millisecond)
				}
			}
			info.ID = &mesos.FrameworkID{Value: f.id}
			g := subscribe(t, c, jsonCodec(), info)
			if g.id != f.id {
				t.Fatalf("resubscribed as %s, want %s", g.id, f.id)
			}
			g.call(calls.Reconcile(calls.ReconcileTasks(map[string]string{"f": ""})))
			st := g.update(false)
			want := mesos.TASK_LOST
			if tc.survives {
				want = mesos.TASK_RUNNING
			}
			if st.GetState() != want {
				t.Errorf("after failover task is %v, want %v", st.GetState(), want)
			}
		})
	}
}

func TestFailureEventAfterExit(t *testing.T) {
	c := startCluster(t, Config{})
	f := subscribe(t, c, protobufCodec(), frameworkInfo("failure"))
	f.launch(f.offers()[0], shellTask("x", "exit 2"))
	f.waitState("x", mesos.TASK_FAILED)
	ev := f.next(scheduler.Event_FAILURE)
	if ev.Failure.GetExecutorID().GetValue() != "x" || syscall.WaitStatus(ev.Failure.GetStatus()).ExitStatus() != 2 {
		t.Errorf("FAILURE for executor %q status %d", ev.Failure.GetExecutorID().GetValue(), ev.Failure.GetStatus())
	}
}

func TestOfferTimeoutRescinds(t *testing.T) {
	c := startCluster(t, Config{OfferTimeout: 100 * time.Millisecond})
	f := subscribe(t, c, protobufCodec(), frameworkInfo("rescind"))
	o := f.offers()[0]
	ev := f.next(scheduler.Event_RESCIND)
	if ev.Rescind.OfferID != o.ID {
		t.Fatalf("rescinded %v, want %v", ev.Rescind.OfferID, o.ID)
	}
	f.launch(o, commandTask("late", 0.1, 10, "true"))
	if st := f.update(true); st.GetState() != mesos.TASK_LOST || !strings.Contains(st.GetMessage(), "no longer valid") {
		t.Errorf("launch on a rescinded offer: %v %q", st.GetState(), st.GetMessage())
	}
}

func TestUpdatesRedeliveredAfterResubscribe(t *testing.T) {
	c := startCluster(t, Config{})
	info := frameworkInfo("redeliver")
	info.FailoverTimeout = ptr(60.0)
	f := subscribe(t, c, protobufCodec(), info)
	f.launch(f.offers()[0], shellTask("d", "true"))
	first := f.update(false) // STARTING, not acknowledged
	f.close()
	info.ID = &mesos.FrameworkID{Value: f.id}
	g := subscribe(t, c, protobufCodec(), info)
	again := g.update(false)
	if again.GetState() != first.GetState() || !bytes.Equal(again.UUID, first.UUID) {
		t.Fatalf("after resubscribing got %v %x, want %v %x", again.GetState(), again.UUID, first.GetState(), first.UUID)
	}
	g.call(calls.Acknowledge(again.GetAgentID().GetValue(), "d", again.UUID))
	g.waitState("d", mesos.TASK_FINISHED)
}
