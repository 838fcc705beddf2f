package localcluster

import (
	"bytes"
	"io"
	"net/http"
	"testing"

	mesos "github.com/mesos/mesos-go/api/v1/lib"
	"github.com/mesos/mesos-go/api/v1/lib/encoding"
	"github.com/mesos/mesos-go/api/v1/lib/encoding/framing"
	"github.com/mesos/mesos-go/api/v1/lib/recordio"
	"github.com/mesos/mesos-go/api/v1/lib/scheduler"
	"github.com/mesos/mesos-go/api/v1/lib/scheduler/calls"
)

func encodeCall(t *testing.T, codec encoding.Codec, call *scheduler.Call) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := codec.NewEncoder(encoding.SinkWriter(&buf)).Encode(call); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func post(t *testing.T, c *Cluster, body []byte, header map[string]string) *http.Response {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, c.URL()+"/api/v1/scheduler", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	return resp
}

// rawSubscribe subscribes over plain HTTP and returns the open response and the first event.
func rawSubscribe(t *testing.T, c *Cluster, codec encoding.Codec) (*http.Response, *scheduler.Event) {
	t.Helper()
	ct := codec.Type.ContentType()
	resp := post(t, c, encodeCall(t, codec, calls.Subscribe(frameworkInfo("raw"))), map[string]string{"Content-Type": ct, "Accept": ct})
	t.Cleanup(func() { resp.Body.Close() })
	if resp.StatusCode != http.StatusOK {
		b, _ := io.ReadAll(resp.Body)
		t.Fatalf("SUBSCRIBE: %s: %s", resp.Status, b)
	}
	dec := codec.NewDecoder(func() framing.Reader { return recordio.NewReader(resp.Body) })
	var ev scheduler.Event
	if err := dec.Decode(&ev); err != nil {
		t.Fatalf("decoding first event: %v", err)
	}
	return resp, &ev
}

func TestSubscribeResponse(t *testing.T) {
	for _, codec := range []encoding.Codec{protobufCodec(), jsonCodec()} {
		t.Run(codec.Name, func(t *testing.T) {
			c := startCluster(t, Config{})
			resp, ev := rawSubscribe(t, c, codec)
			if got := resp.Header.Get("Content-Type"); got != codec.Type.ContentType() {
				t.Errorf("Content-Type %q, want %q", got, codec.Type.ContentType())
			}
			if resp.Header.Get(headerStreamID) == "" {
				t.Error("no Mesos-Stream-Id header")
			}
			if resp.ContentLength != -1 || resp.Header.Get("Content-Length") != "" {
				t.Errorf("Content-Length %d on an event stream", resp.ContentLength)
			}
			if len(resp.TransferEncoding) != 1 || resp.TransferEncoding[0] != "chunked" {
				t.Errorf("Transfer-Encoding %v, want chunked", resp.TransferEncoding)
			}
			if ev.Type != scheduler.Event_SUBSCRIBED || ev.Subscribed.GetHeartbeatIntervalSeconds() != 15 {
				t.Errorf("first event %v, heartbeat %v; want SUBSCRIBED, 15", ev.Type, ev.Subscribed.GetHeartbeatIntervalSeconds())
			}
		})
	}
}

func TestStatusCodes(t *testing.T) {
	c := startCluster(t, Config{})
	pb := protobufCodec()
	ct := pb.Type.ContentType()
	resp, ev := rawSubscribe(t, c, pb)
	fwID := ev.Subscribed.FrameworkID.Value
	streamID := resp.Header.Get(headerStreamID)
	revive := encodeCall(t, pb, calls.Revive().With(calls.Framework(fwID)))
	tests := []struct {
		name   string
		method string
		body   []byte
		header map[string]string
		want   int
	}{
		{name: "accepted call", body: revive, header: map[string]string{"Content-Type": ct, headerStreamID: streamID}, want: 202},
		{name: "json call on a protobuf stream", body: encodeCall(t, jsonCodec(), calls.Suppress().With(calls.Framework(fwID))),
			header: map[string]string{"Content-Type": "application/json", "Accept": "application/json", headerStreamID: streamID}, want: 202},
		{name: "unsupported content type", body: revive, header: map[string]string{"Content-Type": "text/plain", headerStreamID: streamID}, want: 415},
		// Mesos checks Accept on SUBSCRIBE only.
		{name: "accept ignored on other calls", body: revive, header: map[string]string{"Content-Type": ct, "Accept": "text/html", headerStreamID: streamID}, want: 202},
		{name: "no content type", body: revive, header: map[string]string{headerStreamID: streamID}, want: 400},
		{name: "content type with parameters", body: revive, header: map[string]string{"Content-Type": ct + "; charset=utf-8", headerStreamID: streamID}, want: 415},
		{name: "malformed acknowledge uuid", body: encodeCall(t, pb, calls.Acknowledge("a", "t", []byte("x")).With(calls.Framework(fwID))),
			header: map[string]string{"Content-Type": ct, headerStreamID: streamID}, want: 400},
		{name: "shutdown without its body", body: encodeCall(t, pb, &scheduler.Call{Type: scheduler.Call_SHUTDOWN, FrameworkID: &mesos.FrameworkID{Value: fwID}}),
			header: map[string]string{"Content-Type": ct, headerStreamID: streamID}, want: 400},
		{name: "malformed body", body: []byte("\xff\xff\xff"), header: map[string]string{"Content-Type": ct, headerStreamID: streamID}, want: 400},
		{name: "missing stream id", body: revive, header: map[string]string{"Content-Type": ct}, want: 400},
		{name: "wrong stream id", body: revive, header: map[string]string{"Content-Type": ct, headerStreamID: "nope"}, want: 400},
		{name: "missing framework id", body: encodeCall(t, pb, calls.Revive()), header: map[string]string{"Content-Type": ct, headerStreamID: streamID}, want: 400},
		{name: "unknown framework", body: encodeCall(t, pb, calls.Revive().With(calls.Framework("x-0000"))),
			header: map[string]string{"Content-Type": ct, headerStreamID: streamID}, want: 400},
		{name: "GET", method: http.MethodGet, want: 405},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var r *http.Response
			if tc.method == http.MethodGet {
				var err error
				if r, err = http.Get(c.URL() + "/api/v1/scheduler"); err != nil {
					t.Fatal(err)
				}
			} else {
				r = post(t, c, tc.body, tc.header)
			}
			body, _ := io.ReadAll(r.Body)
			r.Body.Close()
			if r.StatusCode != tc.want {
				t.Fatalf("status %d (%s), want %d", r.StatusCode, body, tc.want)
			}
			if tc.want == 202 && (len(body) != 0 || r.Header.Get("Content-Type") != "") {
				t.Errorf("202 with body %q, Content-Type %q", body, r.Header.Get("Content-Type"))
			}
		})
	}
	http.DefaultClient.CloseIdleConnections()
}

// TestSubscribeAccept checks the stream's codec against the Accept header
// as Mesos 1.11 picks it: JSON whenever Accept allows it, RecordIO refused.
func TestSubscribeAccept(t *testing.T) {
	c := startCluster(t, Config{})
	tests := []struct {
		accept, want string
		status       int
	}{
		{"", "application/json", 200},
		{"*/*", "application/json", 200},
		{"application/x-protobuf", "application/x-protobuf", 200},
		{"application/x-protobuf, application/json;q=0", "application/x-protobuf", 200},
		{"application/recordio", "", 406},
	}
	for _, tc := range tests {
		t.Run(tc.accept, func(t *testing.T) {
			body := encodeCall(t, protobufCodec(), calls.Subscribe(&mesos.FrameworkInfo{User: "u", Name: "n"}))
			h := map[string]string{"Content-Type": "application/x-protobuf"}
			if tc.accept != "" {
				h["Accept"] = tc.accept
			}
			resp := post(t, c, body, h)
			resp.Body.Close()
			if resp.StatusCode != tc.status || (tc.status == 200 && resp.Header.Get("Content-Type") != tc.want) {
				t.Fatalf("status %d Content-Type %q, want %d %q", resp.StatusCode, resp.Header.Get("Content-Type"), tc.status, tc.want)
			}
		})
	}
}

// TestHandWrittenJSON is what a framework without mesos-go (curl, Python) sends.
func TestHandWrittenJSON(t *testing.T) {
	c := startCluster(t, Config{})
	body := `{"type":"SUBSCRIBE","subscribe":{"framework_info":{"user":"foo","name":"Example HTTP Framework","roles":["test"],"capabilities":[{"type":"MULTI_ROLE"}]}}}`
	resp := post(t, c, []byte(body), map[string]string{"Content-Type": "application/json", "Accept": "application/json"})
	defer resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("status %d", resp.StatusCode)
	}
	r := recordio.NewReader(resp.Body)
	// SUBSCRIBED, then at once a HEARTBEAT as Mesos sends one, then OFFERS.
	for _, want := range []string{`"type":"SUBSCRIBED"`, `"type":"HEARTBEAT"`, `"type":"OFFERS"`} {
		frame, err := r.ReadFrame()
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Contains(frame, []byte(want)) {
			t.Errorf("event %s lacks %s", frame, want)
		}
		// Mesos's JSON leaves out unset fields rather than writing null.
		if bytes.Contains(frame, []byte(":null")) || bytes.Contains(frame, []byte(":[]")) {
			t.Errorf("event %s has null or empty fields", frame)
		}
		if want == `"type":"OFFERS"` && !bytes.Contains(frame, []byte(`"allocation_info":{"role":"test"}`)) {
			t.Errorf("offer %s lacks allocation_info.role", frame)
		}
	}
}
