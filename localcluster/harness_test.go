package localcluster

import (
	"context"
	"io"
	"net/http"
	"os"
	"os/user"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	mesos "github.com/mesos/mesos-go/api/v1/lib"
	"github.com/mesos/mesos-go/api/v1/lib/encoding"
	"github.com/mesos/mesos-go/api/v1/lib/encoding/codecs"
	"github.com/mesos/mesos-go/api/v1/lib/httpcli"
	"github.com/mesos/mesos-go/api/v1/lib/httpcli/httpsched"
	"github.com/mesos/mesos-go/api/v1/lib/scheduler"
	"github.com/mesos/mesos-go/api/v1/lib/scheduler/calls"
)

// waitFor bounds every wait for an event in these tests.
const waitFor = 20 * time.Second

// testFramework is a scheduler built on mesos-go's own httpsched client.
type testFramework struct {
	t      testing.TB
	caller calls.Caller
	tr     *http.Transport
	resp   mesos.Response
	id     string
	events chan *scheduler.Event
	done   chan struct{}
	// skipped holds OFFERS events passed over while waiting for something
	// else, so that no offer is silently left outstanding.
	skipped []*scheduler.Event
}

func protobufCodec() encoding.Codec { return codecs.ByMediaType[codecs.MediaTypeProtobuf] }
func jsonCodec() encoding.Codec     { return codecs.ByMediaType[codecs.MediaTypeJSON] }

// frameworkInfo is a framework of this process's user: its tasks run as
// the agents do, with no user switch.
func frameworkInfo(name string) *mesos.FrameworkInfo {
	u, err := user.Current()
	if err != nil {
		panic(err)
	}
	return &mesos.FrameworkInfo{User: u.Username, Name: name}
}

// subscribe connects a framework and waits for SUBSCRIBED.
func subscribe(t testing.TB, c *Cluster, codec encoding.Codec, info *mesos.FrameworkInfo) *testFramework {
	t.Helper()
	tr := &http.Transport{}
	cli := httpcli.New(
		httpcli.Endpoint(c.URL()+"/api/v1/scheduler"),
		httpcli.Codec(codec),
		httpcli.Do(httpcli.With(httpcli.RoundTripper(tr))),
	)
	f := &testFramework{
		t:      t,
		caller: httpsched.NewCaller(cli),
		tr:     tr,
		events: make(chan *scheduler.Event, 10000),
		done:   make(chan struct{}),
	}
	call := calls.Subscribe(info)
	if info.ID != nil {
		call = call.With(calls.SubscribeTo(info.ID.Value))
	}
	resp, err := f.caller.Call(context.Background(), call)
	if err != nil {
		t.Fatalf("subscribing: %v", err)
	}
	f.resp = resp
	go f.read()
	t.Cleanup(f.close)
	ev := f.next(scheduler.Event_SUBSCRIBED)
	f.id = ev.Subscribed.FrameworkID.Value
	return f
}

func (f *testFramework) read() {
	defer close(f.done)
	defer close(f.events)
	for {
		var ev scheduler.Event
		if err := f.resp.Decode(&ev); err != nil {
			return
		}
		f.events <- &ev
	}
}

// close ends the subscription and waits for the reader.
func (f *testFramework) close() {
	f.resp.Close()
	<-f.done
	f.tr.CloseIdleConnections()
}

// next returns the next event of the given type, skipping others.
func (f *testFramework) next(want scheduler.Event_Type) *scheduler.Event {
	f.t.Helper()
	if want == scheduler.Event_OFFERS && len(f.skipped) > 0 {
		ev := f.skipped[0]
		f.skipped = f.skipped[1:]
		return ev
	}
	timeout := time.After(waitFor)
	for {
		select {
		case ev, ok := <-f.events:
			if !ok {
				f.t.Fatalf("event stream ended waiting for %v", want)
			}
			if ev.Type == want {
				return ev
			}
			if ev.Type == scheduler.Event_OFFERS {
				f.skipped = append(f.skipped, ev)
			}
		case <-timeout:
			f.t.Fatalf("no %v event within %v", want, waitFor)
		}
	}
}

// call sends a call for this framework and expects it to be accepted.
func (f *testFramework) call(call *scheduler.Call) {
	f.t.Helper()
	if err := f.try(call); err != nil {
		f.t.Fatalf("%v call: %v", call.Type, err)
	}
}

func (f *testFramework) try(call *scheduler.Call) error {
	call = call.With(calls.Framework(f.id))
	resp, err := f.caller.Call(context.Background(), call)
	if resp != nil {
		resp.Close()
	}
	return err
}

// offers waits for the next OFFERS event.
func (f *testFramework) offers() []mesos.Offer {
	f.t.Helper()
	return f.next(scheduler.Event_OFFERS).Offers.Offers
}

// update waits for the next status update, acknowledging it if it has a uuid and ack is set.
func (f *testFramework) update(ack bool) mesos.TaskStatus {
	f.t.Helper()
	st := f.next(scheduler.Event_UPDATE).Update.Status
	if ack && len(st.UUID) > 0 {
		f.call(calls.Acknowledge(st.GetAgentID().GetValue(), st.TaskID.Value, st.UUID))
	}
	return st
}

// waitState acknowledges updates of the task until it reaches state, failing
// on another terminal state.
func (f *testFramework) waitState(taskID string, state mesos.TaskState) mesos.TaskStatus {
	f.t.Helper()
	for {
		st := f.update(true)
		if st.TaskID.Value != taskID {
			continue
		}
		if st.GetState() == state {
			return st
		}
		if isTerminal(st.GetState()) {
			f.t.Fatalf("task %s: got %v (%v, %v: %q), want %v", taskID, st.GetState(), st.GetSource(), st.GetReason(), st.GetMessage(), state)
		}
	}
}

// launch accepts the offer with the given tasks.
func (f *testFramework) launch(offer mesos.Offer, tasks ...mesos.TaskInfo) {
	f.t.Helper()
	for i := range tasks {
		tasks[i].AgentID = offer.AgentID
	}
	f.call(calls.Accept(calls.OfferOperations{calls.OpLaunch(tasks...)}.WithOffers(offer.ID)))
}

// commandTask is a task running argv without a shell.
func commandTask(id string, cpus, mem float64, argv ...string) mesos.TaskInfo {
	shell := false
	return mesos.TaskInfo{
		Name:      id,
		TaskID:    mesos.TaskID{Value: id},
		Resources: res{cpus: cpus, mem: mem}.resources(""),
		Command:   &mesos.CommandInfo{Shell: &shell, Value: &argv[0], Arguments: argv},
	}
}

// shellTask is a task running a /bin/sh command.
func shellTask(id, script string) mesos.TaskInfo {
	return mesos.TaskInfo{
		Name:      id,
		TaskID:    mesos.TaskID{Value: id},
		Resources: res{cpus: 0.1, mem: 32}.resources(""),
		Command:   &mesos.CommandInfo{Value: &script},
	}
}

// waitFile waits until the sandbox file of a task exists and is not empty.
func waitFile(t *testing.T, c *Cluster, taskID, name string) string {
	t.Helper()
	deadline := time.Now().Add(waitFor)
	pattern := filepath.Join(c.WorkDir(), "agents", "*", "frameworks", "*", "executors", taskID, "runs", "*", name)
	for time.Now().Before(deadline) {
		if m, _ := filepath.Glob(pattern); len(m) == 1 {
			if b, err := os.ReadFile(m[0]); err == nil && len(b) > 0 {
				return string(b)
			}
		}
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatalf("no %s in the sandbox of %s within %v", name, taskID, waitFor)
	return ""
}

// waitExited waits until process pid is gone. The task runs under the
// cluster's executor, which reaps it, so there is no event to wait on: it
// polls, failing after waitFor.
func waitExited(t *testing.T, pid int, when string) {
	t.Helper()
	deadline := time.Now().Add(waitFor)
	for syscall.Kill(pid, 0) == nil {
		if time.Now().After(deadline) {
			t.Fatalf("task process %d still alive %s", pid, when)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// ended waits for the event stream to end.
func (f *testFramework) ended() error {
	timeout := time.After(waitFor)
	for {
		select {
		case _, ok := <-f.events:
			if !ok {
				return nil
			}
		case <-timeout:
			return io.ErrNoProgress
		}
	}
}
