package conformance

import (
	"fmt"
	"net/http"
	"sort"
	"time"

	mesos "github.com/mesos/mesos-go/api/v1/lib"
	"github.com/mesos/mesos-go/api/v1/lib/scheduler"
	"github.com/mesos/mesos-go/api/v1/lib/scheduler/calls"
)

// scenarios run in this order, each on both targets at once.
var scenarios = []scenario{
	{"subscribe-json", func(x *run) { subscribeShapes(x, ctJSON) }},
	{"subscribe-protobuf", func(x *run) { subscribeShapes(x, ctProtobuf) }},
	{"accept", acceptVariants},
	{"content-type", contentTypeVariants},
	{"subscribe-malformed", subscribeMalformed},
	{"calls-malformed", callsMalformed},
	{"decline-filters", declineFilters},
	{"suppress-revive", suppressRevive},
	{"other-calls", otherCalls},
	{"failover", failover},
	{"teardown-resubscribe", teardownResubscribe},
	{"task-finished", func(x *run) { taskStates(x, "exit 0", false) }},
	{"task-failed", func(x *run) { taskStates(x, "exit 3", false) }},
	{"task-killed", func(x *run) { taskStates(x, "sleep 60", true) }},
	{"reconcile", reconcile},
	{"launch-invalid", launchInvalid},
	{"fetch", func(x *run) { fetching(x, fetchTasks(x.artifacts)) }},
	{"files", filesAPI},
	{"state", stateEndpoints},
	{"task-user", taskUser},
	{"metrics-snapshot", metricsSnapshot},
}

// uuidV4 is a well-formed version 4 uuid no update carries.
var uuidV4 = []byte{0x0f, 0x6a, 0x4a, 0x8e, 0, 0, 0x40, 0, 0x80, 0, 0, 0, 0, 0, 0, 1}

// subscribeShapes subscribes with one codec both ways and records the
// response, the first events (SUBSCRIBED, HEARTBEAT, OFFERS), the time to
// the first heartbeat, the offer's shape, and TEARDOWN ending the stream.
func subscribeShapes(x *run, codec string) {
	s := x.subscribe("subscribe", sub{contentType: codec, accept: codec})
	if s == nil {
		return
	}
	x.recordEvent("subscribed", x.subscribed, true)
	nulls := x.subscribed.jsonNull
	var types []string
	var heartbeat time.Duration = -1
	var offers frame
	var gotOffers bool
	for len(types) < 3 {
		f, ok := s.next(eventWait)
		if !ok {
			break
		}
		types = append(types, f.ev.Type.String())
		nulls = nulls || f.jsonNull
		switch f.ev.Type {
		case scheduler.Event_HEARTBEAT:
			if heartbeat < 0 {
				heartbeat = f.at.Sub(s.opened)
			}
		case scheduler.Event_OFFERS:
			if !gotOffers {
				offers, gotOffers = f, true
			}
		}
		if gotOffers && heartbeat >= 0 {
			break
		}
	}
	// Mesos sends its first HEARTBEAT and first OFFERS from different
	// actors, in either order.
	sort.Strings(types)
	x.record("first-events", types)
	// Mesos sends a heartbeat as soon as the framework subscribes.
	x.record("first-heartbeat-within-1s", heartbeat >= 0 && heartbeat < time.Second)
	x.recordEvent("offers", offers, gotOffers)
	x.record("null-fields", nulls)
	x.do("teardown", teardown())
	x.record("stream-ends-after-teardown", s.closes(eventWait))
}

// acceptVariants subscribes with each codec and each Accept header.
func acceptVariants(x *run) {
	for _, ct := range []string{ctJSON, ctProtobuf} {
		for _, accept := range []struct{ name, value string }{
			{"none", "-"}, {"any", "*/*"}, {"json", ctJSON}, {"protobuf", ctProtobuf},
			{"recordio", ctRecordIO}, {"xml", "application/xml"},
			{"json-and-protobuf", ctJSON + ", " + ctProtobuf},
		} {
			what := mediaTypeName(ct) + "/accept-" + accept.name
			if s := x.subscribe(what, sub{contentType: ct, accept: accept.value}); s != nil {
				x.do(what+"/teardown", teardown())
			}
		}
	}
}

func mediaTypeName(ct string) string {
	if ct == ctProtobuf {
		return "protobuf"
	}
	return "json"
}

// contentTypeVariants subscribes with odd Content-Type headers and sends
// a REVIVE with each.
func contentTypeVariants(x *run) {
	variants := []struct{ name, value string }{
		{"missing", "-"}, {"json-charset", ctJSON + "; charset=utf-8"}, {"text", "text/plain"},
		{"upper-case", "APPLICATION/JSON"},
	}
	for _, v := range variants {
		if s := x.subscribe("subscribe-"+v.name, sub{contentType: v.value}); s != nil {
			x.do("subscribe-"+v.name+"/teardown", teardown())
		}
	}
	if x.subscribe("subscribe", sub{}) == nil {
		return
	}
	for _, v := range variants {
		ct := v.value
		if ct == "-" {
			ct = ""
		}
		x.do("revive-"+v.name, calls.Revive(), "Content-Type", ct)
	}
	x.do("revive-protobuf-header-json-body", calls.Revive(), "Content-Type", ctProtobuf)
}

// subscribeMalformed sends SUBSCRIBE calls Mesos refuses.
func subscribeMalformed(x *run) {
	cases := []struct {
		what string
		o    sub
	}{
		{"empty-user-and-name", sub{info: &mesos.FrameworkInfo{}}},
		{"empty-framework-info", sub{body: []byte(`{"type":"SUBSCRIBE","subscribe":{"framework_info":{}}}`)}},
		{"framework-id-mismatch", sub{body: []byte(`{"type":"SUBSCRIBE","framework_id":{"value":"a"},"subscribe":{"framework_info":{"user":"u","name":"n","id":{"value":"b"}}}}`)}},
		{"with-stream-id", sub{header: map[string]string{hStreamID: "0f6a4a8e-0000-4000-8000-000000000000"}}},
		{"no-subscribe", sub{body: []byte(`{"type":"SUBSCRIBE"}`)}},
		{"no-type", sub{body: []byte(`{"subscribe":{"framework_info":{"user":"u","name":"n"}}}`)}},
		{"unknown-type", sub{body: []byte(`{"type":"NO_SUCH_CALL"}`)}},
		{"not-json-empty", sub{body: []byte{}}},
		{"not-json-truncated", sub{body: []byte(`{"type":`)}},
		// Unique, so that a master reused across runs has never seen it.
		{"unknown-framework-id", sub{frameworkID: fmt.Sprintf("no-such-framework-%d", time.Now().UnixNano())}},
	}
	for _, c := range cases {
		if s := x.subscribe(c.what, c.o); s != nil {
			x.do(c.what+"/teardown", teardown())
		}
	}
	r := x.tg.post(x.t.Context(), request{method: http.MethodGet})
	x.recordReply("get", r)
}

// callsMalformed sends calls of a subscribed framework that Mesos refuses.
func callsMalformed(x *run) {
	if x.subscribe("subscribe", sub{}) == nil {
		return
	}
	fw := x.fwID
	x.do("unknown-framework", calls.Revive().With(calls.Framework("no-such-framework")))
	x.fwID = ""
	x.do("no-framework-id", calls.Revive())
	x.fwID = fw
	x.do("no-stream-id", calls.Revive(), hStreamID, "")
	x.do("wrong-stream-id", calls.Revive(), hStreamID, "0f6a4a8e-0000-4000-8000-000000000000")
	x.do("accept-xml", calls.Revive(), "Accept", "application/xml")
	x.do("acknowledge-bad-uuid", &scheduler.Call{Type: scheduler.Call_ACKNOWLEDGE, Acknowledge: &scheduler.Call_Acknowledge{
		AgentID: mesos.AgentID{Value: "no-such-agent"}, TaskID: mesos.TaskID{Value: "t"}, UUID: []byte("not-a-uuid")}})
	x.do("acknowledge-unknown", &scheduler.Call{Type: scheduler.Call_ACKNOWLEDGE, Acknowledge: &scheduler.Call_Acknowledge{
		AgentID: mesos.AgentID{Value: "no-such-agent"}, TaskID: mesos.TaskID{Value: "t"}, UUID: uuidV4}})
	x.do("acknowledge-nil-uuid", &scheduler.Call{Type: scheduler.Call_ACKNOWLEDGE, Acknowledge: &scheduler.Call_Acknowledge{
		AgentID: mesos.AgentID{Value: "no-such-agent"}, TaskID: mesos.TaskID{Value: "t"}, UUID: make([]byte, 16)}})
	for _, typ := range []scheduler.Call_Type{scheduler.Call_ACCEPT, scheduler.Call_DECLINE, scheduler.Call_KILL,
		scheduler.Call_SHUTDOWN, scheduler.Call_ACKNOWLEDGE, scheduler.Call_RECONCILE, scheduler.Call_MESSAGE,
		scheduler.Call_REQUEST, scheduler.Call_UPDATE_FRAMEWORK} {
		x.do("no-body-"+typ.String(), &scheduler.Call{Type: typ})
	}
	x.do("decline-unknown-offer", calls.Decline(mesos.OfferID{Value: "no-such-offer"}))
	x.do("accept-unknown-offer", calls.Accept(calls.OfferOperations{calls.OpLaunch(task("t-unknown-offer", "exit 0", mesos.AgentID{Value: "no-such-agent"}))}.WithOffers(mesos.OfferID{Value: "no-such-offer"})))
	f, ok := x.updateOf("t-unknown-offer")
	x.recordEvent("accept-unknown-offer/update", f, ok)
}
