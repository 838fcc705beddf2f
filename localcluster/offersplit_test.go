package localcluster

import (
	"testing"
	"time"

	mesos "github.com/mesos/mesos-go/api/v1/lib"
	"github.com/mesos/mesos-go/api/v1/lib/scheduler"
	"github.com/mesos/mesos-go/api/v1/lib/scheduler/calls"
)

// TestFreedResourcesOfferedWhileAnOfferIsOutstanding checks that, as in
// Mesos, resources freed on an agent go out in an offer of their own while
// the framework still holds an earlier offer of that agent's other
// resources, rather than waiting for it to answer that one.
func TestFreedResourcesOfferedWhileAnOfferIsOutstanding(t *testing.T) {
	c := startCluster(t, Config{CPUs: 1, MemMB: 256})
	f := subscribe(t, c, protobufCodec(), frameworkInfo("split"))
	o := f.offers()[0]
	accept := func(o mesos.Offer, ti mesos.TaskInfo) {
		ti.AgentID = o.AgentID
		f.call(calls.Accept(calls.OfferOperations{calls.OpLaunch(ti)}.WithOffers(o.ID)).With(calls.RefuseSeconds(0)))
	}
	accept(o, commandTask("quick", 0.5, 128, "sleep", "0.3"))
	// The unused half goes out at once; it is held, unanswered, while
	// "quick" ends and its half is offered on its own.
	var offers []mesos.Offer
	finished := false
	deadline := time.After(waitFor)
	for len(offers) < 2 || !finished {
		select {
		case ev := <-f.events:
			switch ev.Type {
			case scheduler.Event_OFFERS:
				offers = append(offers, ev.Offers.Offers...)
			case scheduler.Event_UPDATE:
				st := ev.Update.Status
				f.call(calls.Acknowledge(st.GetAgentID().GetValue(), st.TaskID.Value, st.UUID))
				finished = finished || st.GetState() == mesos.TASK_FINISHED
			}
		case <-deadline:
			t.Fatalf("after %v: offers %v, quick finished: %v", waitFor, offers, finished)
		}
	}
	for i, o := range offers {
		if r, _, _ := parseResources(o.Resources); r.cpus != 0.5 || r.mem != 128 {
			t.Errorf("offer %d is %v, want cpus:0.5; mem:128 (the half held, then the half freed)", i, r)
		}
	}
	// Both offers are valid at once.
	accept(offers[0], commandTask("a", 0.5, 128, "true"))
	accept(offers[1], commandTask("b", 0.5, 128, "true"))
	for done := map[string]bool{}; len(done) < 2; {
		if st := f.update(true); st.GetState() == mesos.TASK_FINISHED {
			done[st.TaskID.Value] = true
		} else if isTerminal(st.GetState()) {
			t.Fatalf("task %s: %v %q", st.TaskID.Value, st.GetState(), st.GetMessage())
		}
	}
}

// TestScalarsAreFixedPoint checks Mesos's fixed-point arithmetic on scalar
// resources (three decimal places): after ten tasks of 0.1 cpus on a 1.1-cpu
// agent, exactly 0.1 is offered, not 0.09999999999999987, and it fits one
// more task of 0.1.
func TestScalarsAreFixedPoint(t *testing.T) {
	c := startCluster(t, Config{CPUs: 1.1, MemMB: 1024})
	f := subscribe(t, c, protobufCodec(), frameworkInfo("fixed"))
	o := f.offers()[0]
	var tasks []mesos.TaskInfo
	for _, id := range []string{"t0", "t1", "t2", "t3", "t4", "t5", "t6", "t7", "t8", "t9"} {
		tasks = append(tasks, commandTask(id, 0.1, 10, "sleep", "30"))
	}
	f.launch(o, tasks...)
	rest := f.offers()[0]
	r, _, _ := parseResources(rest.Resources)
	if r.cpus != 0.1 {
		t.Fatalf("offered cpus %v after ten tasks of 0.1 on 1.1, want exactly 0.1", r.cpus)
	}
	f.launch(rest, commandTask("last", 0.1, 10, "true"))
	f.waitState("last", mesos.TASK_FINISHED)
	for _, tk := range tasks {
		f.call(calls.Kill(tk.TaskID.Value, o.AgentID.Value))
	}
}
