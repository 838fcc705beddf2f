package localcluster

import (
	"net/http"
	"sync"
	"time"

	"github.com/mesos/mesos-go/api/v1/lib/encoding"
	"github.com/mesos/mesos-go/api/v1/lib/encoding/framing"
	"github.com/mesos/mesos-go/api/v1/lib/recordio"
	"github.com/mesos/mesos-go/api/v1/lib/scheduler"
)

// streamBuffer is how many events may wait for a slow subscriber before
// the master gives up on its connection.
const streamBuffer = 4096

// stream is one SUBSCRIBE connection. The master queues events with send
// (never blocking) and ends it with close; the HTTP handler that owns the
// connection writes them out in order.
type stream struct {
	id        string
	events    chan *scheduler.Event
	done      chan struct{}
	closeOnce sync.Once
}

func newStream() *stream {
	return &stream{id: newUUID(), events: make(chan *scheduler.Event, streamBuffer), done: make(chan struct{})}
}

func (s *stream) send(ev *scheduler.Event) {
	select {
	case <-s.done:
	case s.events <- ev:
	default:
		s.close() // the subscriber is not reading; drop it rather than block the master
	}
}

func (s *stream) close() { s.closeOnce.Do(func() { close(s.done) }) }

// flushWriter is the stream's HTTP response as the frames' writer;
// serveStream flushes once the queue is empty, so each event leaves at once.
type flushWriter struct {
	w http.ResponseWriter
	f http.Flusher
}

func (fw flushWriter) Write(b []byte) (int, error) { return fw.w.Write(b) }

// serveStream writes the stream's events, and heartbeats, until the stream
// is closed, the client goes away or the cluster stops. It reports a lost
// client to the master.
func (c *Cluster) serveStream(w http.ResponseWriter, r *http.Request, s *stream, fwID string, codec encoding.Codec) {
	fl := w.(http.Flusher)
	rw := recordio.NewWriter(flushWriter{w, fl})
	enc := eventEncoder(codec, func() framing.Writer { return rw })
	write := func(ev *scheduler.Event) bool {
		if err := enc.Encode(ev); err != nil {
			c.log.Debug("writing event stream", "framework", fwID, "err", err)
			return false
		}
		// Events queued behind this one go out in the same write: a burst
		// (twenty tasks ending at once) is one flush, one system call and
		// one wakeup of the reader, not twenty.
		if len(s.events) == 0 {
			fl.Flush()
		}
		return true
	}
	hb := time.NewTicker(c.cfg.HeartbeatInterval)
	defer hb.Stop()
	for {
		select {
		case ev := <-s.events:
			if !write(ev) {
				c.streamLost(fwID, s)
				return
			}
		case <-hb.C:
			if !write(&scheduler.Event{Type: scheduler.Event_HEARTBEAT}) {
				c.streamLost(fwID, s)
				return
			}
		case <-s.done:
			// What was queued before the close (e.g. an ERROR) still goes
			// out. A stream closed for falling behind counts as a lost
			// subscriber; one replaced or torn down is already detached.
			defer c.streamLost(fwID, s)
			for {
				select {
				case ev := <-s.events:
					if !write(ev) {
						return
					}
				default:
					return
				}
			}
		case <-r.Context().Done():
			c.streamLost(fwID, s)
			return
		case <-c.ctx.Done():
			return
		}
	}
}
