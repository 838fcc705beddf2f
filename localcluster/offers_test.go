package localcluster

import (
	"fmt"
	"strings"
	"testing"
	"time"

	mesos "github.com/mesos/mesos-go/api/v1/lib"
	"github.com/mesos/mesos-go/api/v1/lib/scheduler"
	"github.com/mesos/mesos-go/api/v1/lib/scheduler/calls"
)

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
	// With a short OfferInterval the periodic rounds must hold back too;
	// with an hour-long one, REVIVE's offer can only come from REVIVE.
	intervals := []time.Duration{25 * time.Millisecond, time.Hour}
	for _, tc := range tests {
		for _, interval := range intervals {
			t.Run(fmt.Sprintf("%s every %v", tc.name, interval), func(t *testing.T) {
				// Heartbeats (4 short allocation rounds, 50 event-driven
				// ones) are the clock: no offer may come in 3 of them.
				c := startCluster(t, Config{OfferInterval: interval, HeartbeatInterval: 100 * time.Millisecond})
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
	ports := map[uint64]string{}
	for len(seen) < 3 {
		for _, o := range f.offers() {
			seen[o.AgentID.Value] = true
			for _, r := range mesos.NewPortRanges(&o) {
				if other, dup := ports[r.Begin]; dup && other != o.AgentID.Value {
					t.Errorf("agents %s and %s both offer port %d", other, o.AgentID.Value, r.Begin)
				}
				ports[r.Begin] = o.AgentID.Value
			}
			if r, _, _ := parseResources(o.Resources); r.cpus != 2 || r.mem != 256 {
				t.Errorf("agent %s offered %v", o.AgentID.Value, r)
			}
		}
	}
	if len(ports) != 3 {
		t.Errorf("port ranges offered: %v, want one per agent", ports)
	}
}

func TestSeveralTasksOnOneOffer(t *testing.T) {
	c := startCluster(t, Config{CPUs: 3, MemMB: 300})
	f := subscribe(t, c, protobufCodec(), frameworkInfo("several"))
	o := f.offers()[0]
	tasks := []mesos.TaskInfo{commandTask("a", 1, 100, "sleep", "0.2"), commandTask("b", 1, 100, "true"), commandTask("c", 0.5, 100, "true")}
	for i := range tasks {
		tasks[i].AgentID = o.AgentID
	}
	f.call(calls.Accept(calls.OfferOperations{calls.OpLaunch(tasks...)}.WithOffers(o.ID)).With(calls.RefuseSeconds(0)))
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
		next := f.offers()[0]
		r, _, _ := parseResources(next.Resources)
		if r.cpus == 3 && r.mem == 300 {
			break
		}
		f.call(calls.Decline(next.ID).With(calls.RefuseSeconds(0)))
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
