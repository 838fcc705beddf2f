package localcluster

import (
	"fmt"
	"reflect"
	"testing"
	"time"

	mesos "github.com/mesos/mesos-go/api/v1/lib"
	"github.com/mesos/mesos-go/api/v1/lib/scheduler"
	"github.com/mesos/mesos-go/api/v1/lib/scheduler/calls"
)

// The tests here set OfferInterval to an hour: every offer they wait for
// must come from an event, never from the periodic round.

// TestRefuseFilterExpiry checks that resources refused for 0.2 s are not
// offered before then and are offered again when the filter runs out.
func TestRefuseFilterExpiry(t *testing.T) {
	const refuse = 200 * time.Millisecond
	tests := []struct {
		name   string
		refuse func(f *testFramework, o mesos.Offer)
		want   res // what the next offer holds
	}{
		{name: "decline", want: res{cpus: 4, mem: 1024, disk: 10240},
			refuse: func(f *testFramework, o mesos.Offer) {
				f.call(calls.Decline(o.ID).With(calls.RefuseSeconds(refuse)))
			}},
		{name: "accept leaving resources unused", want: res{cpus: 3, mem: 1000, disk: 10240},
			refuse: func(f *testFramework, o mesos.Offer) {
				ti := commandTask("long", 1, 24, "sleep", "60")
				ti.AgentID = o.AgentID
				f.call(calls.Accept(calls.OfferOperations{calls.OpLaunch(ti)}.WithOffers(o.ID)).With(calls.RefuseSeconds(refuse)))
			}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := startCluster(t, Config{OfferInterval: time.Hour})
			f := subscribe(t, c, protobufCodec(), frameworkInfo(tc.name))
			o := f.offers()[0]
			refused := time.Now()
			tc.refuse(f, o)
			next := f.offers()
			if waited := time.Since(refused); waited < refuse {
				t.Errorf("offered again after %v, within refuse_seconds %v", waited, refuse)
			}
			if got, _, _ := parseResources(next[0].Resources); len(next) != 1 || got != tc.want {
				t.Errorf("offered %d offers, the first of %v; want one of %v", len(next), got, tc.want)
			}
		})
	}
}

// TestOfferOnTaskEnd checks that a task's resources are offered again as
// soon as it ends.
func TestOfferOnTaskEnd(t *testing.T) {
	c := startCluster(t, Config{OfferInterval: time.Hour})
	f := subscribe(t, c, protobufCodec(), frameworkInfo("task end"))
	f.launch(f.offers()[0], commandTask("all", 4, 1024, "true")) // the unused disk alone is not offered
	f.waitState("all", mesos.TASK_FINISHED)
	got, _, _ := parseResources(f.offers()[0].Resources)
	if got != (res{cpus: 4, mem: 1024, disk: 10240}) {
		t.Errorf("offered %v after the task ended, want the whole agent", got)
	}
}

// TestDeclinedLeftoverHidesNoFreedCPUs follows batchd's pattern at every
// wave of launches on one agent: it fills the agent's cpus with twenty
// 0.1-cpu tasks, is offered the leftover (no cpus, some memory), declines
// it with a long refuse filter as nothing fits, and needs the cpus of the
// next task to end offered at once. The filter holds back offers within
// what was declined, never the whole agent.
func TestDeclinedLeftoverHidesNoFreedCPUs(t *testing.T) {
	c := startCluster(t, Config{OfferInterval: time.Hour, CPUs: 2})
	f := subscribe(t, c, protobufCodec(), frameworkInfo("leftover"))
	o := f.offers()[0]
	var tasks []mesos.TaskInfo
	for i := range 20 {
		ti := commandTask(fmt.Sprintf("t%d", i), 0.1, 32, "sleep", "60")
		ti.AgentID = o.AgentID
		tasks = append(tasks, ti)
	}
	f.call(calls.Accept(calls.OfferOperations{calls.OpLaunch(tasks...)}.WithOffers(o.ID)).With(calls.RefuseSeconds(0)))
	left := f.offers()[0]
	if got, _, _ := parseResources(left.Resources); got.cpus >= 0.01 || got.mem < 32 {
		t.Fatalf("leftover offer holds %v, want no cpus and some memory", got)
	}
	f.call(calls.Decline(left.ID).With(calls.RefuseSeconds(time.Hour)))
	// The task's end, not its acknowledged update, frees its resources.
	f.call(calls.Kill("t7", o.AgentID.Value))
	if got, _, _ := parseResources(f.offers()[0].Resources); got.cpus < 0.1-1e-9 {
		t.Errorf("offered %v after a task ended, want its 0.1 cpus", got)
	}
}

// TestFrameworksShareOffers checks that two frameworks that decline and
// launch in turn are both offered the one agent again and again.
func TestFrameworksShareOffers(t *testing.T) {
	c := startCluster(t, Config{OfferInterval: time.Hour})
	fws := []*testFramework{
		subscribe(t, c, protobufCodec(), frameworkInfo("a")),
		subscribe(t, c, jsonCodec(), frameworkInfo("b")),
	}
	const rounds = 20
	got := make([]int, len(fws))
	for round := 0; round < rounds; round++ {
		i, o := nextOffer(t, fws)
		got[i]++
		f := fws[i]
		if got[i]%2 == 1 {
			f.call(calls.Decline(o.ID).With(calls.RefuseSeconds(0)))
			continue
		}
		ti := commandTask(f.id+"-"+o.ID.Value, 0.5, 32, "true")
		ti.AgentID = o.AgentID
		f.call(calls.Accept(calls.OfferOperations{calls.OpLaunch(ti)}.WithOffers(o.ID)).With(calls.RefuseSeconds(0)))
	}
	for i, n := range got {
		if n < rounds/4 {
			t.Errorf("framework %d had %d of %d offers", i, n, rounds)
		}
	}
}

// nextOffer waits for an offer to any of the frameworks and returns whose it is.
func nextOffer(t *testing.T, fws []*testFramework) (int, mesos.Offer) {
	t.Helper()
	cases := []reflect.SelectCase{{Dir: reflect.SelectRecv, Chan: reflect.ValueOf(time.After(waitFor))}}
	for i, f := range fws {
		if len(f.skipped) > 0 {
			return i, f.offers()[0]
		}
		cases = append(cases, reflect.SelectCase{Dir: reflect.SelectRecv, Chan: reflect.ValueOf(f.events)})
	}
	for {
		chosen, v, ok := reflect.Select(cases)
		switch {
		case chosen == 0:
			t.Fatalf("no offer within %v", waitFor)
		case !ok:
			t.Fatalf("framework %d's event stream ended", chosen-1)
		}
		if ev := v.Interface().(*scheduler.Event); ev.Type == scheduler.Event_OFFERS {
			return chosen - 1, ev.Offers.Offers[0]
		}
	}
}
