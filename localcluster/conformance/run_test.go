package conformance

import (
	"context"
	"fmt"
	"net/http"
	"os/user"
	"sort"
	"strings"
	"testing"
	"time"

	mesos "github.com/mesos/mesos-go/api/v1/lib"
	"github.com/mesos/mesos-go/api/v1/lib/scheduler"
	"github.com/mesos/mesos-go/api/v1/lib/scheduler/calls"
)

// Deadlines for events that should come; a scenario records their absence
// rather than failing, so both targets' transcripts can be compared.
const (
	eventWait = 5 * time.Second
	taskWait  = 30 * time.Second
)

// scenario is one sequence of calls, run against both targets at once.
type scenario struct {
	name string
	run  func(x *run)
}

// run is one scenario on one target: it sends calls and records what came back.
type run struct {
	t    *testing.T
	tg   *target
	tr   *transcript
	name string // the scenario's, prefix of every check id
	// artifacts is the base URL of the server tasks fetch from.
	artifacts string

	// The current subscription, set by subscribe.
	s          *stream
	subscribed frame // its SUBSCRIBED event
	fwID       string
	streamID   string
}

func (x *run) record(what string, v any) { x.tr.record(x.name+"/"+what, v) }

// recordReply records a reply's status, Content-Type, header names and,
// for an error, its body under what.
func (x *run) recordReply(what string, r reply) {
	if r.err != nil {
		x.record(what+"/status", "transport error")
		x.t.Logf("%s %s: %v", x.tg.name, what, r.err)
		return
	}
	x.record(what+"/status", r.status)
	x.record(what+"/content-type", contentType(r.header.Get("Content-Type")))
	x.record(what+"/headers", headerNames(r.header))
	if r.status >= 400 {
		x.record(what+"/body", r.body)
	}
}

// headerNames are the response's header names but Date, sorted; Go's
// client moves Transfer-Encoding out of the header, so it is recorded
// apart for streams.
func headerNames(h http.Header) []string {
	var names []string
	for k := range h {
		if k != "Date" {
			names = append(names, k)
		}
	}
	sort.Strings(names)
	return names
}

// contentType is a Content-Type header with its parameters, lower-cased.
func contentType(ct string) string {
	if ct == "" {
		return absent
	}
	return strings.ToLower(ct)
}

func mediaTypeOrAbsent(ct string) string {
	if ct == "" {
		return absent
	}
	return mediaType(ct)
}

// recordEvent records an event's fields, or its absence.
func (x *run) recordEvent(what string, f frame, ok bool) {
	if !ok {
		x.record(what, "<no event>")
		return
	}
	x.record(what, f.tree)
}

// frameworkInfo is the FrameworkInfo every scenario subscribes with: the
// OS user (so tasks run alike on both targets), the "*" role, no failover
// timeout (a framework that goes away is removed at once).
func frameworkInfo(name string) *mesos.FrameworkInfo {
	u, err := user.Current()
	username := "root"
	if err == nil {
		username = u.Username
	}
	return &mesos.FrameworkInfo{
		User:         username,
		Name:         "conformance-" + name,
		Roles:        []string{"*"},
		Capabilities: []mesos.FrameworkInfo_Capability{{Type: mesos.FrameworkInfo_Capability_MULTI_ROLE}},
	}
}

// sub describes a SUBSCRIBE request; zero values take JSON both ways.
type sub struct {
	contentType string // request codec; "-" sends no Content-Type
	accept      string // "-" sends no Accept
	header      map[string]string
	info        *mesos.FrameworkInfo
	frameworkID string // also set in call.framework_id
	body        []byte // raw body instead of an encoded call
}

func (x *run) subscribeRequest(o sub) request {
	ct, accept := o.contentType, o.accept
	if ct == "" {
		ct = ctJSON
	}
	if accept == "" {
		accept = ctJSON
	}
	body := o.body
	if body == nil {
		info := o.info
		if info == nil {
			info = frameworkInfo(x.name)
		}
		call := calls.Subscribe(info)
		if o.frameworkID != "" {
			info.ID = &mesos.FrameworkID{Value: o.frameworkID}
			call.FrameworkID = info.ID
		}
		enc := ct
		if enc == "-" || codecOf(mediaType(enc)).Name == "" {
			enc = ctJSON
		}
		body = encode(x.t, mediaType(enc), call)
	}
	h := map[string]string{"Content-Type": ct, "Accept": accept}
	if ct == "-" {
		h["Content-Type"] = ""
	}
	if accept == "-" {
		h["Accept"] = ""
	}
	for k, v := range o.header {
		h[k] = v
	}
	return request{body: body, header: h}
}

// subscribe sends a SUBSCRIBE, records its answer under what, and on
// success reads the SUBSCRIBED event and makes it the current
// subscription. It returns nil when the subscription failed.
func (x *run) subscribe(what string, o sub) *stream {
	s, r := x.tg.openStream(x.t, x.subscribeRequest(o))
	x.recordReply(what, r)
	if s == nil {
		return nil
	}
	x.record(what+"/message-content-type", mediaTypeOrAbsent(r.header.Get("Message-Content-Type")))
	x.record(what+"/stream-id", presence(s.streamID))
	x.record(what+"/transfer-encoding", s.resp.TransferEncoding)
	f, ok := s.next(eventWait)
	if !ok || f.ev.Type != scheduler.Event_SUBSCRIBED {
		x.recordEvent(what+"/first-event", f, ok)
		return s
	}
	x.s, x.subscribed, x.streamID, x.fwID = s, f, s.streamID, f.ev.Subscribed.FrameworkID.Value
	x.t.Cleanup(func() { x.teardownQuietly(s.streamID, f.ev.Subscribed.FrameworkID.Value) })
	return s
}

func presence(s string) string {
	if s == "" {
		return absent
	}
	return "present"
}

// teardownQuietly removes a framework a scenario left behind, so the next
// scenario gets the agent's whole resources.
func (x *run) teardownQuietly(streamID, fwID string) {
	call := teardown().With(calls.Framework(fwID))
	x.tg.post(context.Background(), request{body: encode(x.t, ctJSON, call),
		header: map[string]string{"Content-Type": ctJSON, hStreamID: streamID}})
}

// call sends a call of the current subscription as JSON, with its
// framework id and stream id, and returns the reply.
func (x *run) call(c *scheduler.Call, header ...string) reply {
	if c.FrameworkID == nil && x.fwID != "" {
		c.FrameworkID = &mesos.FrameworkID{Value: x.fwID}
	}
	h := map[string]string{"Content-Type": ctJSON, hStreamID: x.streamID}
	for i := 0; i+1 < len(header); i += 2 {
		h[header[i]] = header[i+1]
	}
	return x.tg.post(context.Background(), request{body: encode(x.t, ctJSON, c), header: h})
}

// do sends a call and records its reply under what.
func (x *run) do(what string, c *scheduler.Call, header ...string) reply {
	r := x.call(c, header...)
	x.recordReply(what, r)
	return r
}

// offer waits for an offer of the agent's whole resources, declining
// partial ones (resources of a task still winding down) without a filter.
func (x *run) offer() (frame, bool) { return x.offerOf(x.tg.whole) }

// offerOf waits for an offer of at least want, declining smaller ones.
func (x *run) offerOf(want resources) (frame, bool) {
	deadline := time.Now().Add(taskWait)
	for time.Now().Before(deadline) {
		f, ok := x.s.next(time.Until(deadline), scheduler.Event_OFFERS)
		if !ok {
			return f, false
		}
		for _, o := range f.ev.Offers.Offers {
			if resourcesOf(o.Resources).covers(want) {
				return f, true
			}
		}
		var ids []mesos.OfferID
		for _, o := range f.ev.Offers.Offers {
			ids = append(ids, o.ID)
		}
		x.call(calls.Decline(ids...).With(calls.RefuseSeconds(0)))
	}
	return frame{}, false
}

// resources are the scalar resources the scenarios care about.
type resources struct{ cpus, mem, disk float64 }

func resourcesOf(rs []mesos.Resource) resources {
	var r resources
	for _, res := range rs {
		v := res.GetScalar().GetValue()
		switch res.Name {
		case "cpus":
			r.cpus += v
		case "mem":
			r.mem += v
		case "disk":
			r.disk += v
		}
	}
	return r
}

func (r resources) covers(o resources) bool {
	return r.cpus >= o.cpus && r.mem >= o.mem && r.disk >= o.disk
}

func (r resources) String() string {
	return fmt.Sprintf("cpus:%g;mem:%g;disk:%g", r.cpus, r.mem, r.disk)
}

// quiet reports whether no event of the given types comes within d; it is
// how a scenario observes that something (an offer) is withheld.
func (x *run) quiet(d time.Duration, types ...scheduler.Event_Type) bool {
	_, ok := x.s.next(d, types...)
	return !ok
}

// teardown is the TEARDOWN call (mesos-go's calls package has none).
func teardown() *scheduler.Call { return &scheduler.Call{Type: scheduler.Call_TEARDOWN} }
