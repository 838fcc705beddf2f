package localcluster

import (
	"fmt"
	"testing"
	"time"

	mesos "github.com/mesos/mesos-go/api/v1/lib"
	"github.com/mesos/mesos-go/api/v1/lib/scheduler"
	"github.com/mesos/mesos-go/api/v1/lib/scheduler/calls"
)

// runTasks is a minimal batch framework: it launches n one-cpu tasks
// running argv on whatever offers come, as many at a time as the cpus
// allow, acknowledges every update and returns once all have finished.
// Leftovers are refused until the agent's free resources grow (a task ends).
func runTasks(tb testing.TB, f *testFramework, n int, argv ...string) {
	tb.Helper()
	launched, done := 0, 0
	for done < n {
		ev := f.nextEvent()
		switch ev.Type {
		case scheduler.Event_OFFERS:
			for _, o := range ev.Offers.Offers {
				r, _, _ := parseResources(o.Resources)
				k := min(int(r.cpus+epsilon), n-launched)
				if k == 0 {
					f.call(calls.Decline(o.ID).With(calls.RefuseSeconds(time.Hour)))
					continue
				}
				tasks := make([]mesos.TaskInfo, 0, k)
				for range k {
					ti := commandTask(fmt.Sprintf("t%d", launched), 1, 16, argv...)
					ti.AgentID = o.AgentID
					tasks = append(tasks, ti)
					launched++
				}
				f.call(calls.Accept(calls.OfferOperations{calls.OpLaunch(tasks...)}.WithOffers(o.ID)).With(calls.RefuseSeconds(time.Hour)))
			}
		case scheduler.Event_UPDATE:
			st := ev.Update.Status
			if len(st.UUID) > 0 {
				f.call(calls.Acknowledge(st.GetAgentID().GetValue(), st.TaskID.Value, st.UUID))
			}
			switch s := st.GetState(); {
			case s == mesos.TASK_FINISHED:
				done++
			case isTerminal(s):
				tb.Fatalf("task %s: %v %q", st.TaskID.Value, s, st.GetMessage())
			}
		}
	}
}

// nextEvent returns the next event of any type, offers passed over by
// next first.
func (f *testFramework) nextEvent() *scheduler.Event {
	f.t.Helper()
	if len(f.skipped) > 0 {
		ev := f.skipped[0]
		f.skipped = f.skipped[1:]
		return ev
	}
	select {
	case ev, ok := <-f.events:
		if !ok {
			f.t.Fatal("event stream ended")
		}
		return ev
	case <-time.After(waitFor):
		f.t.Fatalf("no event within %v", waitFor)
		return nil
	}
}

// BenchmarkTaskThroughput runs b.N tasks that exit at once, 20 at a time,
// through a cluster with the default offer settings and finished sandboxes
// removed, as batchd runs it, and reports tasks/s.
func BenchmarkTaskThroughput(b *testing.B) {
	c := startCluster(b, Config{CPUs: 20, OfferInterval: time.Second, RemoveFinishedSandboxes: true})
	f := subscribe(b, c, protobufCodec(), frameworkInfo("throughput"))
	b.ResetTimer()
	runTasks(b, f, b.N, "/bin/true")
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "tasks/s")
}
