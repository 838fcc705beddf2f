package conformance

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/mesos/mesos-go/api/v1/lib/encoding"
	"github.com/mesos/mesos-go/api/v1/lib/encoding/codecs"
	"github.com/mesos/mesos-go/api/v1/lib/recordio"
	"github.com/mesos/mesos-go/api/v1/lib/scheduler"
)

const (
	ctJSON     = "application/json"
	ctProtobuf = "application/x-protobuf"
	ctRecordIO = "application/recordio"
	hStreamID  = "Mesos-Stream-Id"
)

// codecOf is the mesos-go codec for a media type ("application/json" or
// "application/x-protobuf").
func codecOf(mediaType string) encoding.Codec {
	return codecs.ByMediaType[encoding.MediaType(mediaType)]
}

// encode serialises call with the codec of mediaType.
func encode(t *testing.T, mediaType string, call *scheduler.Call) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := codecOf(mediaType).NewEncoder(encoding.SinkWriter(&buf)).Encode(call); err != nil {
		t.Fatalf("encoding %v call: %v", call.Type, err)
	}
	return buf.Bytes()
}

// request is one raw POST to /api/v1/scheduler. A header whose value is ""
// is left out, so a scenario can drop Content-Type or Accept.
type request struct {
	method string // POST when empty
	body   []byte
	header map[string]string
}

// reply is what came back for a request that is not a stream.
type reply struct {
	status int
	header http.Header
	body   string
	err    error // the request failed before a response
}

// target is one master under test.
type target struct {
	name   string // "mesos" or "embedded"
	url    string // base URL, e.g. http://127.0.0.1:5050
	client *http.Client
	whole  resources // the agent's resources, as a whole offer carries them
}

func (tg *target) send(ctx context.Context, rq request) (*http.Response, error) {
	method := rq.method
	if method == "" {
		method = http.MethodPost
	}
	req, err := http.NewRequestWithContext(ctx, method, tg.url+"/api/v1/scheduler", bytes.NewReader(rq.body))
	if err != nil {
		return nil, err
	}
	for k, v := range rq.header {
		if v != "" {
			req.Header.Set(k, v)
		}
	}
	return tg.client.Do(req)
}

// post sends a request whose answer is not a stream and reads it whole.
func (tg *target) post(ctx context.Context, rq request) reply {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	resp, err := tg.send(ctx, rq)
	if err != nil {
		return reply{err: err}
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	return reply{status: resp.StatusCode, header: resp.Header, body: string(b), err: err}
}

// frame is one event read from a SUBSCRIBE stream.
type frame struct {
	ev       scheduler.Event
	tree     any  // the event as JSON, as received (JSON) or re-encoded (protobuf)
	jsonNull bool // a JSON event with a null field
	at       time.Time
}

// stream is an open SUBSCRIBE response whose events a goroutine reads
// into a channel until the body is closed.
type stream struct {
	resp     *http.Response
	streamID string
	opened   time.Time
	frames   chan frame
	offers   []frame // OFFERS events next skipped, oldest first
	done     chan struct{}
	mu       sync.Mutex
	badEvent error           // an event that could not be decoded, which ended reading
	ctx      context.Context // cancelled by close
	stop     context.CancelFunc
}

// openStream sends a SUBSCRIBE and, on a 200, starts reading its events;
// any other answer is returned as a reply.
func (tg *target) openStream(t *testing.T, rq request) (*stream, reply) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	resp, err := tg.send(ctx, rq)
	if err != nil {
		cancel()
		return nil, reply{err: err}
	}
	if resp.StatusCode != http.StatusOK {
		defer cancel()
		defer resp.Body.Close()
		b, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
		return nil, reply{status: resp.StatusCode, header: resp.Header, body: string(b)}
	}
	s := &stream{resp: resp, streamID: resp.Header.Get(hStreamID), opened: time.Now(),
		frames: make(chan frame, 1024), done: make(chan struct{}), ctx: ctx, stop: cancel}
	msgType := resp.Header.Get("Content-Type")
	if mt := resp.Header.Get("Message-Content-Type"); mt != "" {
		msgType = mt
	}
	go s.read(codecOf(mediaType(msgType)))
	t.Cleanup(s.close)
	return s, reply{status: resp.StatusCode, header: resp.Header}
}

func (s *stream) read(codec encoding.Codec) {
	defer close(s.done)
	defer close(s.frames)
	r := recordio.NewReader(s.resp.Body)
	for {
		b, err := r.ReadFrame()
		if err != nil {
			return // the server or close ended the stream
		}
		f := frame{at: time.Now()}
		if codec.Type == codecs.MediaTypeJSON {
			err = json.Unmarshal(b, &f.ev)
		} else {
			err = f.ev.Unmarshal(b)
			if err == nil {
				b, err = json.Marshal(&f.ev)
			}
		}
		if err == nil {
			err = json.Unmarshal(b, &f.tree)
		}
		// Mesos's JSON leaves out what is not set; a null on the wire is a
		// difference. (Re-encoded protobuf has nulls of its own, which
		// normalise drops.)
		f.jsonNull = codec.Type == codecs.MediaTypeJSON && bytes.Contains(b, []byte(":null"))
		if err != nil {
			s.mu.Lock()
			s.badEvent = errors.Join(errors.New("decoding an event"), err)
			s.mu.Unlock()
			return
		}
		select {
		case s.frames <- f:
		case <-s.ctx.Done():
			return
		}
	}
}

// close ends the connection and waits for the reader.
func (s *stream) close() {
	s.stop()
	s.resp.Body.Close()
	<-s.done
}

// closes reports whether the server ends the stream within d; the events
// that come first are dropped.
func (s *stream) closes(d time.Duration) bool {
	deadline := time.NewTimer(d)
	defer deadline.Stop()
	for {
		select {
		case _, ok := <-s.frames:
			if !ok {
				s.mu.Lock()
				defer s.mu.Unlock()
				return s.badEvent == nil
			}
		case <-deadline.C:
			return false
		}
	}
}

// next returns the next event whose type is in want (all types when want
// is empty), or false when none comes within wait or the stream ends. It
// drops the events of other types, except OFFERS, which it keeps for a
// later call that wants them: an offer holds the agent's resources until
// it is used or declined.
func (s *stream) next(wait time.Duration, want ...scheduler.Event_Type) (frame, bool) {
	wanted := func(t scheduler.Event_Type) bool { return len(want) == 0 || slices.Contains(want, t) }
	if len(s.offers) > 0 && wanted(scheduler.Event_OFFERS) {
		f := s.offers[0]
		s.offers = s.offers[1:]
		return f, true
	}
	deadline := time.NewTimer(wait)
	defer deadline.Stop()
	for {
		select {
		case f, ok := <-s.frames:
			if !ok {
				return frame{}, false
			}
			if wanted(f.ev.Type) {
				return f, true
			}
			if f.ev.Type == scheduler.Event_OFFERS {
				s.offers = append(s.offers, f)
			}
		case <-deadline.C:
			return frame{}, false
		}
	}
}

// mediaType is a Content-Type without parameters, lower-cased.
func mediaType(ct string) string {
	mt, _, _ := strings.Cut(ct, ";")
	return strings.ToLower(strings.TrimSpace(mt))
}
