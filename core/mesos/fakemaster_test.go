package mesoscluster

import (
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/mesos/mesos-go/api/v1/lib/encoding"
	"github.com/mesos/mesos-go/api/v1/lib/encoding/codecs"
	"github.com/mesos/mesos-go/api/v1/lib/encoding/framing"
	"github.com/mesos/mesos-go/api/v1/lib/recordio"
	"github.com/mesos/mesos-go/api/v1/lib/scheduler"
)

// fakeMaster is a scripted Mesos master: each SUBSCRIBE becomes a
// subscription whose events the test sends; every other call is answered
// 202 and handed to the test on calls.
type fakeMaster struct {
	srv   *httptest.Server
	subs  chan *subscription
	calls chan *scheduler.Call
	auth  chan [2]string // basic-auth user and password of each SUBSCRIBE
}

// subscription is one open event stream. Send events on send; close end to
// hang up.
type subscription struct {
	call *scheduler.Call
	send chan *scheduler.Event
	end  chan struct{}
}

// waitTimeout bounds every wait for something the code under test must do.
const waitTimeout = 10 * time.Second

func newFakeMaster(t *testing.T) *fakeMaster {
	t.Helper()
	m := &fakeMaster{
		subs:  make(chan *subscription),
		calls: make(chan *scheduler.Call, 100),
		auth:  make(chan [2]string, 10),
	}
	m.srv = httptest.NewServer(http.HandlerFunc(m.serve))
	t.Cleanup(func() {
		m.srv.CloseClientConnections()
		m.srv.Close()
	})
	return m
}

func (m *fakeMaster) url() string { return m.srv.URL }

func (m *fakeMaster) serve(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path != "/api/v1/scheduler" || r.Method != http.MethodPost {
		http.NotFound(w, r)
		return
	}
	codec, ok := codecs.ByMediaType[encoding.MediaType(r.Header.Get("Content-Type"))]
	if !ok {
		http.Error(w, "bad content type", http.StatusUnsupportedMediaType)
		return
	}
	var call scheduler.Call
	if err := codec.NewDecoder(encoding.SourceReader(r.Body)).Decode(&call); err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	if call.Type != scheduler.Call_SUBSCRIBE {
		m.calls <- &call
		w.WriteHeader(http.StatusAccepted)
		return
	}
	user, pass, _ := r.BasicAuth()
	m.auth <- [2]string{user, pass}
	sub := &subscription{call: &call, send: make(chan *scheduler.Event), end: make(chan struct{})}
	select {
	case m.subs <- sub:
	case <-r.Context().Done():
		return
	}
	w.Header().Set("Content-Type", codec.Type.ContentType())
	w.Header().Set("Mesos-Stream-Id", "stream-1")
	w.WriteHeader(http.StatusOK)
	w.(http.Flusher).Flush()
	enc := codec.NewEncoder(func() framing.Writer { return recordio.NewWriter(w) })
	for {
		select {
		case ev := <-sub.send:
			if err := enc.Encode(ev); err != nil {
				return
			}
			w.(http.Flusher).Flush()
		case <-sub.end:
			return
		case <-r.Context().Done():
			return
		}
	}
}

// nextSub waits for the next SUBSCRIBE.
func (m *fakeMaster) nextSub(t *testing.T) *subscription {
	t.Helper()
	select {
	case s := <-m.subs:
		return s
	case <-time.After(waitTimeout):
		t.Fatal("no SUBSCRIBE")
		return nil
	}
}

// nextCall waits for the next non-SUBSCRIBE call.
func (m *fakeMaster) nextCall(t *testing.T) *scheduler.Call {
	t.Helper()
	select {
	case c := <-m.calls:
		return c
	case <-time.After(waitTimeout):
		t.Fatal("no call")
		return nil
	}
}
