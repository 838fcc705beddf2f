package mesoscluster

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	mesos "github.com/mesos/mesos-go/api/v1/lib"
	"github.com/mesos/mesos-go/api/v1/lib/scheduler"
	"go.uber.org/goleak"

	"github.com/batchd/batchd/core"
	"github.com/batchd/batchd/internal/procgroup"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m, goleak.IgnoreTopFunction(procgroup.SpawnerFunc))
}

// running is a Cluster under test with its Run goroutine.
type running struct {
	cl     *Cluster
	events chan core.Event
	cancel context.CancelFunc
	done   chan error
}

func start(t *testing.T, cfg Config) *running {
	t.Helper()
	cl := New(cfg)
	cl.minBackoff, cl.maxBackoff = 5*time.Millisecond, 20*time.Millisecond
	ctx, cancel := context.WithCancel(context.Background())
	r := &running{cl: cl, events: make(chan core.Event), cancel: cancel, done: make(chan error, 1)}
	go func() { r.done <- cl.Run(ctx, r.events) }()
	t.Cleanup(func() { r.stop(t) })
	return r
}

func (r *running) stop(t *testing.T) error {
	t.Helper()
	r.cancel()
	select {
	case err := <-r.done:
		r.done <- err
		return err
	case <-time.After(waitTimeout):
		t.Fatal("Run did not return")
		return nil
	}
}

func (r *running) next(t *testing.T) core.Event {
	t.Helper()
	select {
	case ev := <-r.events:
		return ev
	case <-time.After(waitTimeout):
		t.Fatal("no event")
		return core.Event{}
	}
}

func subscribedEvent(fid string, hb float64) *scheduler.Event {
	return &scheduler.Event{Type: scheduler.Event_SUBSCRIBED, Subscribed: &scheduler.Event_Subscribed{
		FrameworkID: &mesos.FrameworkID{Value: fid}, HeartbeatIntervalSeconds: &hb}}
}

func TestSessionFlow(t *testing.T) {
	for _, codec := range []string{"protobuf", "json"} {
		t.Run(codec, func(t *testing.T) {
			m := newFakeMaster(t)
			r := start(t, Config{Master: m.url(), FrameworkName: "fw", Role: "batch", Principal: "p", Secret: "s3", Codec: codec, User: "u"})
			sub := m.nextSub(t)
			fi := sub.call.Subscribe.FrameworkInfo
			if fi.Name != "fw" || fi.GetPrincipal() != "p" || !fi.GetCheckpoint() || fi.ID != nil {
				t.Fatalf("FrameworkInfo = %+v", fi)
			}
			if a := <-m.auth; a != [2]string{"p", "s3"} {
				t.Fatalf("basic auth = %v", a)
			}
			if err := r.cl.Kill(context.Background(), "t", "a"); !errors.Is(err, core.ErrNotConnected) {
				t.Fatalf("Kill before SUBSCRIBED = %v, want ErrNotConnected", err)
			}
			sub.send <- subscribedEvent("fw-1", 15)
			if ev := r.next(t); ev.Subscribed == nil || ev.Subscribed.FrameworkID != "fw-1" || ev.Subscribed.Heartbeat != 15*time.Second {
				t.Fatalf("event = %+v", ev)
			}

			sub.send <- &scheduler.Event{Type: scheduler.Event_OFFERS, Offers: &scheduler.Event_Offers{Offers: []mesos.Offer{
				testOffer("o1", "batch", 4, 1024)}}}
			ev := r.next(t)
			if len(ev.Offers) != 1 || ev.Offers[0].CPUs != 4 || ev.Offers[0].MemMB != 1024 {
				t.Fatalf("offers = %+v", ev.Offers)
			}
			err := r.cl.Launch(context.Background(), "o1", []core.Launch{{TaskID: "t1", AgentID: "a1", Command: []string{"sh", "-c", "exit 0"}, CPUs: 1, MemMB: 64}})
			if err != nil {
				t.Fatal(err)
			}
			c := m.nextCall(t)
			if c.Type != scheduler.Call_ACCEPT || c.GetFrameworkID().GetValue() != "fw-1" || c.Accept.OfferIDs[0].Value != "o1" {
				t.Fatalf("launch call = %v", c)
			}
			ti := c.Accept.Operations[0].Launch.TaskInfos[0]
			if ti.TaskID.Value != "t1" || ti.Command.GetValue() != "sh" || ti.Resources[0].AllocationInfo.GetRole() != "batch" {
				t.Fatalf("task info = %v", ti)
			}

			state := mesos.TASK_FINISHED
			sub.send <- &scheduler.Event{Type: scheduler.Event_UPDATE, Update: &scheduler.Event_Update{Status: mesos.TaskStatus{
				TaskID: mesos.TaskID{Value: "t1"}, State: &state, AgentID: &mesos.AgentID{Value: "a1"}, UUID: []byte("uuid-1")}}}
			select {
			case c := <-m.calls:
				t.Fatalf("%v sent before the update was received", c.Type)
			default:
			}
			if ev := r.next(t); ev.Update == nil || ev.Update.State != core.TaskFinished || ev.Update.TaskID != "t1" {
				t.Fatalf("update = %+v", ev)
			}
			ack := m.nextCall(t)
			if ack.Type != scheduler.Call_ACKNOWLEDGE || string(ack.Acknowledge.UUID) != "uuid-1" || ack.Acknowledge.AgentID.Value != "a1" {
				t.Fatalf("ack = %v", ack)
			}

			sub.send <- &scheduler.Event{Type: scheduler.Event_RESCIND, Rescind: &scheduler.Event_Rescind{OfferID: mesos.OfferID{Value: "o2"}}}
			if ev := r.next(t); ev.Rescinded != "o2" {
				t.Fatalf("rescind = %+v", ev)
			}
			if err := r.cl.Teardown(context.Background()); err != nil {
				t.Fatal(err)
			}
			if c := m.nextCall(t); c.Type != scheduler.Call_TEARDOWN {
				t.Fatalf("call = %v, want TEARDOWN", c.Type)
			}
			if err := r.stop(t); err != nil {
				t.Fatalf("Run after Teardown = %v", err)
			}
		})
	}
}

func TestHeartbeatWatchdogResubscribes(t *testing.T) {
	m := newFakeMaster(t)
	cl := New(Config{Master: m.url()})
	cl.minBackoff, cl.maxBackoff, cl.hbSlack = 5*time.Millisecond, 20*time.Millisecond, 20*time.Millisecond
	ctx, cancel := context.WithCancel(context.Background())
	events := make(chan core.Event)
	done := make(chan error, 1)
	go func() { done <- cl.Run(ctx, events) }()
	defer func() { cancel(); <-done }()

	r := &running{cl: cl, events: events}
	sub := m.nextSub(t)
	sub.send <- subscribedEvent("fw-9", 0.01) // then silence: the watchdog must fire
	if ev := r.next(t); ev.Subscribed == nil {
		t.Fatalf("event = %+v", ev)
	}
	ev := r.next(t)
	if !errors.Is(ev.Disconnected, ErrHeartbeatTimeout) {
		t.Fatalf("event = %+v, want Disconnected(ErrHeartbeatTimeout)", ev)
	}
	sub2 := m.nextSub(t)
	if got := sub2.call.Subscribe.FrameworkInfo.GetID().GetValue(); got != "fw-9" {
		t.Fatalf("re-subscribed with framework id %q, want fw-9", got)
	}
	sub2.send <- subscribedEvent("fw-9", 15)
	if ev := r.next(t); ev.Subscribed == nil || ev.Subscribed.FrameworkID != "fw-9" {
		t.Fatalf("event = %+v", ev)
	}
}

func TestStreamEndReconnects(t *testing.T) {
	m := newFakeMaster(t)
	r := start(t, Config{Master: m.url()})
	sub := m.nextSub(t)
	sub.send <- subscribedEvent("fw-2", 15)
	r.next(t)
	close(sub.end)
	if ev := r.next(t); ev.Disconnected == nil {
		t.Fatalf("event = %+v, want Disconnected", ev)
	}
	if got := m.nextSub(t).call.GetFrameworkID().GetValue(); got != "fw-2" {
		t.Fatalf("re-subscribed as %q", got)
	}
}

func TestMasterErrorEndsRun(t *testing.T) {
	m := newFakeMaster(t)
	r := start(t, Config{Master: m.url()})
	sub := m.nextSub(t)
	sub.send <- subscribedEvent("fw-3", 15)
	r.next(t)
	sub.send <- &scheduler.Event{Type: scheduler.Event_ERROR, Error: &scheduler.Event_Error{Message: "framework removed"}}
	var me *MasterError
	if ev := r.next(t); !errors.As(ev.Disconnected, &me) {
		t.Fatalf("event = %+v", ev)
	}
	select {
	case err := <-r.done:
		r.done <- err
		if !errors.As(err, &me) || me.Message != "framework removed" {
			t.Fatalf("Run = %v", err)
		}
	case <-time.After(waitTimeout):
		t.Fatal("Run did not return")
	}
}

func TestUnreachableMaster(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	refused := "http://" + ln.Addr().String()
	ln.Close()
	silent := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body) // the server notices a gone client only after the body
		<-r.Context().Done()
	}))
	defer silent.Close()

	tests := []struct{ name, master string }{
		{"connection refused", refused},
		{"never answers", silent.URL},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cl := New(Config{Master: tt.master, ConnectTimeout: 100 * time.Millisecond})
			cl.minBackoff = 10 * time.Millisecond
			err := cl.Run(context.Background(), make(chan core.Event))
			if err == nil || !strings.Contains(err.Error(), tt.master) {
				t.Fatalf("Run = %v, want an error naming %s", err, tt.master)
			}
		})
	}
}

// TestHeartbeatTimeoutSetting checks that a configured heartbeat_timeout
// overrides the master's interval: a master promising heartbeats every 15 s
// that then goes silent is given up on after the configured 30 ms.
func TestHeartbeatTimeoutSetting(t *testing.T) {
	m := newFakeMaster(t)
	cl := New(Config{Master: m.url(), HeartbeatTimeout: 30 * time.Millisecond})
	cl.minBackoff, cl.maxBackoff = 5*time.Millisecond, 20*time.Millisecond
	ctx, cancel := context.WithCancel(context.Background())
	events := make(chan core.Event)
	done := make(chan error, 1)
	go func() { done <- cl.Run(ctx, events) }()
	defer func() { cancel(); <-done }()

	r := &running{cl: cl, events: events}
	m.nextSub(t).send <- subscribedEvent("fw-7", 15)
	if ev := r.next(t); ev.Subscribed == nil {
		t.Fatalf("event = %+v", ev)
	}
	if ev := r.next(t); !errors.Is(ev.Disconnected, ErrHeartbeatTimeout) {
		t.Fatalf("event = %+v, want Disconnected(ErrHeartbeatTimeout)", ev)
	}
	if got := m.nextSub(t).call.Subscribe.FrameworkInfo.GetID().GetValue(); got != "fw-7" {
		t.Fatalf("re-subscribed with framework id %q, want fw-7", got)
	}
}
