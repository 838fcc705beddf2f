package localcluster

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/mesos/mesos-go/api/v1/lib/encoding"
	"github.com/mesos/mesos-go/api/v1/lib/encoding/codecs"
	"github.com/mesos/mesos-go/api/v1/lib/scheduler"
)

const (
	headerStreamID = "Mesos-Stream-Id"
	maxCallBytes   = 64 << 20
)

// serveScheduler is the /api/v1/scheduler endpoint. It checks a request in
// the order Mesos 1.11's Master::Http::scheduler does (src/master/http.cpp):
// method, Content-Type (present: else 400; exactly one of the two media
// types: else 415), body, call validation, then, for SUBSCRIBE only,
// Accept and the absence of a Mesos-Stream-Id.
func (c *Cluster) serveScheduler(w http.ResponseWriter, r *http.Request) {
	if c.recovering() {
		// Mesos answers so before looking at the request (master/http.cpp).
		httpError(w, "Master has not finished recovery", http.StatusServiceUnavailable)
		return
	}
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		httpError(w, fmt.Sprintf("405 Method Not Allowed. Expecting one of { 'POST' }, but received '%s'.", r.Method),
			http.StatusMethodNotAllowed)
		return
	}
	if len(r.Header.Values("Content-Type")) == 0 {
		httpError(w, "Expecting 'Content-Type' to be present", http.StatusBadRequest)
		return
	}
	// Mesos compares the whole header, case and parameters included.
	reqCodec, ok := codecs.ByMediaType[encoding.MediaType(r.Header.Get("Content-Type"))]
	if !ok {
		httpError(w, fmt.Sprintf("Expecting 'Content-Type' of %s or %s", codecs.MediaTypeJSON, codecs.MediaTypeProtobuf),
			http.StatusUnsupportedMediaType)
		return
	}
	// The server bounds headers only (a SUBSCRIBE's stream is unbounded):
	// the body and a reply other than the stream are bounded here.
	rc := http.NewResponseController(w)
	now := time.Now()
	rc.SetReadDeadline(now.Add(c.cfg.ReadTimeout))
	rc.SetWriteDeadline(now.Add(c.cfg.WriteTimeout))
	body, err := io.ReadAll(io.LimitReader(r.Body, maxCallBytes))
	if err != nil {
		w.Header().Set("Connection", "close") // and read no more of it
		httpError(w, "Failed to read body: "+err.Error(), http.StatusBadRequest)
		return
	}
	// Lift the read deadline: the server's watch for a closed connection
	// reads on, and a deadline passing there would end the request's
	// context, and with it an event stream.
	rc.SetReadDeadline(time.Time{})
	call, msg := decodeCall(reqCodec, body)
	if msg != "" {
		httpError(w, msg, http.StatusBadRequest)
		return
	}
	if msg := validateCall(call); msg != "" {
		httpError(w, "Failed to validate scheduler::Call: "+msg, http.StatusBadRequest)
		return
	}
	if call.Type == scheduler.Call_SUBSCRIBE {
		codec, ok := negotiate(r.Header.Values("Accept"))
		if !ok {
			httpError(w, fmt.Sprintf("Expecting 'Accept' to allow '%s' or '%s'", codecs.MediaTypeProtobuf, codecs.MediaTypeJSON),
				http.StatusNotAcceptable)
			return
		}
		if len(r.Header.Values(headerStreamID)) > 0 {
			httpError(w, "Subscribe calls should not include the 'Mesos-Stream-Id' header", http.StatusBadRequest)
			return
		}
		rc.SetWriteDeadline(time.Time{}) // the stream lasts as long as the framework
		c.subscribe(w, r, call, codec)
		return
	}
	code, msg := c.handleCall(r.Header.Values(headerStreamID), call)
	if code >= 300 {
		httpError(w, msg, code)
		return
	}
	w.WriteHeader(code)
}

// decodeCall decodes a call, or returns Mesos's message for a body it
// cannot take.
func decodeCall(codec encoding.Codec, body []byte) (*scheduler.Call, string) {
	var call scheduler.Call
	if codec.Type != codecs.MediaTypeJSON {
		if err := codec.NewDecoder(encoding.SourceReader(bytes.NewReader(body))).Decode(&call); err != nil {
			return nil, "Failed to parse body into Call protobuf"
		}
		return &call, ""
	}
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(body, &fields); err != nil {
		return nil, "Failed to parse body into JSON: " + err.Error()
	}
	// Mesos's JSON-to-protobuf conversion leaves a field with an unknown
	// enum value unset; for the call's type that makes it UNKNOWN, which
	// validation refuses.
	var typ string
	if json.Unmarshal(fields["type"], &typ) == nil {
		if _, ok := scheduler.Call_Type_value[typ]; !ok {
			delete(fields, "type")
			body, _ = json.Marshal(fields)
		}
	}
	if err := codec.NewDecoder(encoding.SourceReader(bytes.NewReader(body))).Decode(&call); err != nil {
		return nil, "Failed to convert JSON into Call protobuf: " + err.Error()
	}
	if missing := missingRequired(body); len(missing) > 0 {
		return nil, "Failed to convert JSON into Call protobuf: Missing required fields: " + strings.Join(missing, ", ")
	}
	return &call, ""
}

// missingRequired lists the required FrameworkInfo fields a JSON SUBSCRIBE
// leaves out. Mesos's protobuf parser refuses such a call; Go's decoding
// cannot tell an absent string from an empty one, so the JSON is read again.
func missingRequired(body []byte) []string {
	var call struct {
		Subscribe *struct {
			FrameworkInfo map[string]json.RawMessage `json:"framework_info"`
		} `json:"subscribe"`
	}
	if json.Unmarshal(body, &call) != nil || call.Subscribe == nil || call.Subscribe.FrameworkInfo == nil {
		return nil
	}
	var missing []string
	for _, f := range []string{"user", "name"} {
		if _, ok := call.Subscribe.FrameworkInfo[f]; !ok {
			missing = append(missing, "subscribe.framework_info."+f)
		}
	}
	return missing
}

// negotiate picks a SUBSCRIBE stream's codec as Mesos does: JSON when the
// Accept headers allow it (no Accept allows anything), else protobuf.
func negotiate(accept []string) (encoding.Codec, bool) {
	for _, mt := range []encoding.MediaType{codecs.MediaTypeJSON, codecs.MediaTypeProtobuf} {
		if acceptsMediaType(accept, string(mt)) {
			return codecs.ByMediaType[mt], true
		}
	}
	return encoding.Codec{}, false
}

// acceptsMediaType is libprocess's Request::acceptsMediaType: a media range
// matching mediaType exactly, as type/* or as */*, with a q above zero.
func acceptsMediaType(accept []string, mediaType string) bool {
	if len(accept) == 0 {
		return true
	}
	typ, _, _ := strings.Cut(mediaType, "/")
	for _, h := range accept {
		for _, part := range strings.Split(h, ",") {
			fields := strings.Split(part, ";")
			rng := strings.ToLower(strings.TrimSpace(fields[0]))
			if rng != mediaType && rng != typ+"/*" && rng != "*/*" {
				continue
			}
			q := 1.0
			for _, p := range fields[1:] {
				if k, v, ok := strings.Cut(strings.TrimSpace(p), "="); ok && strings.TrimSpace(k) == "q" {
					if f, err := strconv.ParseFloat(strings.TrimSpace(v), 64); err == nil {
						q = f
					}
				}
			}
			if q > 0 {
				return true
			}
		}
	}
	return false
}

// handleCall runs a call other than SUBSCRIBE and returns the HTTP status
// and, for an error, its message, checking the framework and the stream as
// Mesos does.
func (c *Cluster) handleCall(streamID []string, call *scheduler.Call) (int, string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	fw := c.state.frameworks[call.FrameworkID.Value]
	if fw == nil {
		return http.StatusBadRequest, "Framework cannot be found"
	}
	if fw.stream == nil {
		return http.StatusForbidden, "Framework is not subscribed"
	}
	if len(streamID) == 0 {
		return http.StatusBadRequest, "All non-subscribe calls should include the 'Mesos-Stream-Id' header"
	}
	if streamID[0] != fw.stream.id {
		return http.StatusBadRequest, fmt.Sprintf("The stream ID '%s' included in this request didn't match the stream ID currently associated with framework ID %s", streamID[0], fw.id)
	}
	if call.Type == scheduler.Call_UPDATE_FRAMEWORK {
		if msg := c.updateFrameworkLocked(fw, call.UpdateFramework); msg != "" {
			return http.StatusBadRequest, msg
		}
		return http.StatusOK, ""
	}
	c.dispatchLocked(fw, call)
	return http.StatusAccepted, ""
}

// httpError answers with a plain-text message as libprocess does: no
// trailing newline, no X-Content-Type-Options.
func httpError(w http.ResponseWriter, msg string, code int) {
	h := w.Header()
	h.Set("Content-Type", "text/plain; charset=utf-8")
	h.Set("Content-Length", strconv.Itoa(len(msg)))
	w.WriteHeader(code)
	io.WriteString(w, msg)
}
