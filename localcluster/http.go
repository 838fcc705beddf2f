package localcluster

import (
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strings"

	"github.com/mesos/mesos-go/api/v1/lib/encoding"
	"github.com/mesos/mesos-go/api/v1/lib/encoding/codecs"
	"github.com/mesos/mesos-go/api/v1/lib/scheduler"
)

const (
	headerStreamID  = "Mesos-Stream-Id"
	mediaRecordIO   = "application/recordio"
	maxCallBytes    = 64 << 20
	errNotSubscribe = "Framework is not subscribed"
)

// serveScheduler is the /api/v1/scheduler endpoint: it negotiates the codec,
// decodes the Call and hands it to the master.
func (c *Cluster) serveScheduler(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		http.Error(w, "Expecting a 'POST' request", http.StatusMethodNotAllowed)
		return
	}
	reqCodec, ok := codecFor(r.Header.Get("Content-Type"))
	if !ok {
		http.Error(w, fmt.Sprintf("Expecting 'Content-Type' of %s or %s", codecs.MediaTypeJSON, codecs.MediaTypeProtobuf),
			http.StatusUnsupportedMediaType)
		return
	}
	resp, err := negotiate(r, reqCodec)
	if err != nil {
		http.Error(w, err.Error(), http.StatusNotAcceptable)
		return
	}
	var call scheduler.Call
	dec := reqCodec.NewDecoder(encoding.SourceReader(io.LimitReader(r.Body, maxCallBytes)))
	if err := dec.Decode(&call); err != nil {
		http.Error(w, "Failed to parse body into Call: "+err.Error(), http.StatusBadRequest)
		return
	}
	if call.Type == scheduler.Call_UNKNOWN {
		http.Error(w, "Expecting 'type' to be present", http.StatusBadRequest)
		return
	}
	if call.Type == scheduler.Call_SUBSCRIBE {
		c.subscribe(w, r, &call, resp)
		return
	}
	code, msg := c.handleCall(r.Header.Get(headerStreamID), &call)
	if code != http.StatusAccepted {
		http.Error(w, msg, code)
		return
	}
	w.WriteHeader(http.StatusAccepted)
}

// response is how a SUBSCRIBE stream is written back.
type response struct {
	codec    encoding.Codec
	recordio bool // Content-Type application/recordio with Message-Content-Type codec
}

func codecFor(contentType string) (encoding.Codec, bool) {
	mt, _, err := mime.ParseMediaType(contentType)
	if err != nil {
		return encoding.Codec{}, false
	}
	codec, ok := codecs.ByMediaType[encoding.MediaType(mt)]
	return codec, ok
}

// negotiate picks the response codec from Accept (and Message-Accept for
// RecordIO); no Accept or a wildcard means the request's codec.
func negotiate(r *http.Request, reqCodec encoding.Codec) (response, error) {
	accept := r.Header.Values("Accept")
	if len(accept) == 0 {
		return response{codec: reqCodec}, nil
	}
	for _, h := range accept {
		for _, part := range strings.Split(h, ",") {
			mt, _, err := mime.ParseMediaType(strings.TrimSpace(part))
			if err != nil {
				continue
			}
			switch mt {
			case "*/*", "application/*":
				return response{codec: reqCodec}, nil
			case mediaRecordIO:
				msg := reqCodec
				if ma := r.Header.Get("Message-Accept"); ma != "" {
					var ok bool
					if msg, ok = codecFor(ma); !ok {
						continue
					}
				}
				return response{codec: msg, recordio: true}, nil
			}
			if codec, ok := codecs.ByMediaType[encoding.MediaType(mt)]; ok {
				return response{codec: codec}, nil
			}
		}
	}
	return response{}, errors.New("Expecting 'Accept' to allow application/json or application/x-protobuf")
}

// handleCall runs a call other than SUBSCRIBE and returns the HTTP status
// and, for an error, its message.
func (c *Cluster) handleCall(streamID string, call *scheduler.Call) (int, string) {
	if call.FrameworkID == nil || call.FrameworkID.Value == "" {
		return http.StatusBadRequest, "Expecting 'framework_id' to be present"
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	fw := c.state.frameworks[call.FrameworkID.Value]
	if fw == nil || fw.stream == nil {
		return http.StatusForbidden, errNotSubscribe
	}
	if streamID == "" {
		return http.StatusBadRequest, "All non-subscribe calls should include the 'Mesos-Stream-Id' header"
	}
	if streamID != fw.stream.id {
		return http.StatusBadRequest, fmt.Sprintf("The stream ID %q included in this request didn't match the stream ID currently associated with framework ID %s", streamID, fw.id)
	}
	if err := c.dispatchLocked(fw, call); err != nil {
		return http.StatusBadRequest, err.Error()
	}
	return http.StatusAccepted, ""
}
