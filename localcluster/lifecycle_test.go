package localcluster

import (
	"bytes"
	"io"
	"path/filepath"
	"strconv"
	"strings"
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
	waitExited(t, pid, "after TEARDOWN")
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
			info.ID = &mesos.FrameworkID{Value: f.id}
			if !tc.survives {
				waitExited(t, pid, "after the failover timeout")
				// Mesos refuses a removed framework's id (master.cpp,
				// validateFramework): SUBSCRIBE gets an ERROR and the stream ends.
				resp := post(t, c, encodeCall(t, jsonCodec(), calls.Subscribe(info).With(calls.SubscribeTo(f.id))),
					map[string]string{"Content-Type": "application/json"})
				defer resp.Body.Close()
				b, _ := io.ReadAll(resp.Body)
				if resp.StatusCode != 200 || !strings.Contains(string(b), `"Framework has been removed"`) {
					t.Fatalf("re-SUBSCRIBE of a removed framework: %d %s", resp.StatusCode, b)
				}
				return
			}
			g := subscribe(t, c, jsonCodec(), info)
			if g.id != f.id {
				t.Fatalf("resubscribed as %s, want %s", g.id, f.id)
			}
			g.call(calls.Reconcile(calls.ReconcileTasks(map[string]string{"f": ""})))
			if st := g.update(false); st.GetState() != mesos.TASK_RUNNING {
				t.Errorf("after failover task is %v, want TASK_RUNNING", st.GetState())
			}
		})
	}
}

func TestKillUnknownTask(t *testing.T) {
	c := startCluster(t, Config{})
	f := subscribe(t, c, protobufCodec(), frameworkInfo("kill-unknown"))
	f.call(calls.Kill("nobody", ""))
	if st := f.update(true); st.TaskID.Value != "nobody" || st.GetState() != mesos.TASK_LOST {
		t.Errorf("KILL of an unknown task: %v %v %q", st.TaskID.Value, st.GetState(), st.GetMessage())
	}
}

// TestNoFailureEventForCommandTasks: a Mesos agent does not report the
// exit of the command executor it generated (slave.cpp,
// executorTerminated), so no FAILURE event follows a command task's end.
func TestNoFailureEventForCommandTasks(t *testing.T) {
	c := startCluster(t, Config{})
	f := subscribe(t, c, protobufCodec(), frameworkInfo("failure"))
	f.launch(f.offers()[0], shellTask("x", "exit 2"))
	f.waitState("x", mesos.TASK_FAILED)
	// Events are ordered: a FAILURE queued at the acknowledgement would
	// come before the answer to this RECONCILE.
	f.call(calls.Reconcile(calls.ReconcileTasks(map[string]string{"x": ""})))
	timeout := time.After(waitFor)
	for {
		select {
		case ev, ok := <-f.events:
			if !ok {
				t.Fatal("event stream ended")
			}
			if ev.Type == scheduler.Event_FAILURE {
				t.Fatalf("FAILURE event %v after a command task", ev.Failure)
			}
			if ev.Type == scheduler.Event_UPDATE && ev.Update.Status.GetReason() == mesos.REASON_RECONCILIATION {
				return
			}
		case <-timeout:
			t.Fatal("no answer to RECONCILE")
		}
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

// TestContainerStatus: like a Mesos agent's, an executor's updates carry the
// container id (the run's id, which names the sandbox), the executor's pid
// and the container's address.
func TestContainerStatus(t *testing.T) {
	c := startCluster(t, Config{})
	f := subscribe(t, c, protobufCodec(), frameworkInfo("container"))
	f.launch(f.offers()[0], shellTask("c", "true"))
	st := f.waitState("c", mesos.TASK_FINISHED)
	cs := st.GetContainerStatus()
	runs, _ := filepath.Glob(filepath.Join(c.WorkDir(), "agents", "*", "frameworks", "*", "executors", "c", "runs", "*"))
	if len(runs) != 1 {
		t.Fatalf("sandboxes of c: %v", runs)
	}
	run := filepath.Base(runs[0])
	if cs.GetContainerID().GetValue() != run || cs.GetExecutorPID() == 0 ||
		len(cs.GetNetworkInfos()) != 1 || cs.NetworkInfos[0].IPAddresses[0].GetIPAddress() != "127.0.0.1" {
		t.Errorf("container status %v, want container id %s, a pid and 127.0.0.1", cs, run)
	}
}
