package conformance

import (
	"time"

	mesos "github.com/mesos/mesos-go/api/v1/lib"
	"github.com/mesos/mesos-go/api/v1/lib/scheduler"
	"github.com/mesos/mesos-go/api/v1/lib/scheduler/calls"
)

// offerIDs are the ids of an OFFERS event's offers.
func offerIDs(f frame) []mesos.OfferID {
	var ids []mesos.OfferID
	for _, o := range f.ev.GetOffers().GetOffers() {
		ids = append(ids, o.ID)
	}
	return ids
}

// start subscribes and waits for a whole offer, recording a failure of
// either; it reports whether both succeeded.
func (x *run) start() (frame, bool) {
	if x.subscribe("subscribe", sub{}) == nil {
		return frame{}, false
	}
	f, ok := x.offer()
	if !ok {
		x.record("offer", "<no offer>")
	}
	return f, ok
}

// declineFilters declines with a short filter (no offer until it expires)
// and a long one (REVIVE clears it).
func declineFilters(x *run) {
	f, ok := x.start()
	if !ok {
		return
	}
	start := time.Now()
	x.do("decline-2s", calls.Decline(offerIDs(f)...).With(calls.RefuseSeconds(2*time.Second)))
	x.record("no-offer-within-1s", x.quiet(time.Second, scheduler.Event_OFFERS))
	f, ok = x.offer()
	x.record("offer-after-filter", ok)
	x.record("offer-after-filter-not-before-2s", ok && time.Since(start) >= 2*time.Second)
	if !ok {
		return
	}
	x.do("decline-1h", calls.Decline(offerIDs(f)...).With(calls.RefuseSeconds(time.Hour)))
	x.record("no-offer-within-1s-of-1h-filter", x.quiet(time.Second, scheduler.Event_OFFERS))
	x.do("revive", calls.Revive())
	f, ok = x.offer()
	x.record("offer-after-revive", ok)
	x.recordEvent("offer-after-revive/event", f, ok)
}

// suppressRevive suppresses offers and revives them.
func suppressRevive(x *run) {
	f, ok := x.start()
	if !ok {
		return
	}
	x.do("suppress", calls.Suppress())
	x.do("decline", calls.Decline(offerIDs(f)...).With(calls.RefuseSeconds(0)))
	x.record("no-offer-within-2s-suppressed", x.quiet(2*time.Second, scheduler.Event_OFFERS))
	x.do("revive", calls.Revive())
	_, ok = x.offer()
	x.record("offer-after-revive", ok)
	// SUBSCRIBE with the role suppressed starts without offers.
	info := frameworkInfo(x.name)
	x.do("teardown", teardown())
	s := x.subscribe("subscribe-suppressed", sub{body: encode(x.t, ctJSON, &scheduler.Call{Type: scheduler.Call_SUBSCRIBE,
		Subscribe: &scheduler.Call_Subscribe{FrameworkInfo: info, SuppressedRoles: []string{"*"}}})})
	if s == nil {
		return
	}
	x.record("no-offer-within-2s-subscribed-suppressed", x.quiet(2*time.Second, scheduler.Event_OFFERS))
}

// otherCalls sends the calls batchd does not use: MESSAGE, REQUEST,
// SHUTDOWN and UPDATE_FRAMEWORK.
func otherCalls(x *run) {
	f, ok := x.start()
	if !ok {
		return
	}
	agent := f.ev.Offers.Offers[0].AgentID
	x.do("message", calls.Message(agent.Value, "no-such-executor", []byte("hello")))
	x.do("request", calls.Request(mesos.Request{AgentID: &agent}))
	x.do("shutdown", calls.Shutdown("no-such-executor", agent.Value))
	info := frameworkInfo(x.name)
	info.ID = &mesos.FrameworkID{Value: x.fwID}
	info.Name = "conformance-renamed"
	r := x.do("update-framework", &scheduler.Call{Type: scheduler.Call_UPDATE_FRAMEWORK,
		UpdateFramework: &scheduler.Call_UpdateFramework{FrameworkInfo: *info}})
	x.record("update-framework/body", r.body)
	f, ok = x.s.next(time.Second, scheduler.Event_ERROR)
	x.recordEvent("update-framework/event", f, ok)
	x.do("decline", calls.Decline(offerIDs(f)...))
}

// failover subscribes again with the framework id while the first
// subscription is connected: the old stream gets an ERROR and ends.
func failover(x *run) {
	old := x.subscribe("subscribe", sub{})
	if old == nil {
		return
	}
	info := frameworkInfo(x.name)
	info.FailoverTimeout = float64Ptr(60)
	fw := x.fwID
	s := x.subscribe("resubscribe", sub{info: info, frameworkID: fw})
	if s == nil {
		return
	}
	x.record("same-framework-id", x.fwID == fw)
	f, ok := old.next(eventWait, scheduler.Event_ERROR)
	x.recordEvent("old-stream/error", f, ok)
	x.record("old-stream/ends", old.closes(eventWait))
}

func float64Ptr(v float64) *float64 { return &v }

// teardownResubscribe tears a framework down and subscribes again with
// its id.
func teardownResubscribe(x *run) {
	s := x.subscribe("subscribe", sub{})
	if s == nil {
		return
	}
	fw := x.fwID
	x.do("teardown", teardown())
	x.do("call-after-teardown", calls.Revive())
	again, r := x.tg.openStream(x.t, x.subscribeRequest(sub{frameworkID: fw}))
	x.recordReply("resubscribe", r)
	if again == nil {
		return
	}
	f, ok := again.next(eventWait)
	x.recordEvent("resubscribe/first-event", f, ok)
	if ok && f.ev.Type == scheduler.Event_SUBSCRIBED {
		x.t.Cleanup(func() { x.teardownQuietly(again.streamID, f.ev.Subscribed.FrameworkID.Value) })
	}
	x.record("resubscribe/ends", again.closes(eventWait))
}
