package localcluster

import (
	"bytes"
	"io"
	"net"
	"net/http"
	"strings"
	"time"

	mesos "github.com/mesos/mesos-go/api/v1/lib"
	"github.com/mesos/mesos-go/api/v1/lib/encoding"
	"github.com/mesos/mesos-go/api/v1/lib/encoding/codecs"
	"github.com/mesos/mesos-go/api/v1/lib/encoding/framing"
	mpb "github.com/mesos/mesos-go/api/v1/lib/master"
)

// serveOperator is the read side of the v1 operator API, POST /api/v1:
// GET_HEALTH, GET_VERSION, GET_STATE, GET_AGENTS, GET_FRAMEWORKS and
// GET_TASKS, in JSON or protobuf as the request's Content-Type and Accept
// ask (Mesos 1.11, src/master/http.cpp, Master::Http::api). Other calls
// answer 501: the embedded master has no maintenance, quotas, weights or
// reservations to show or change.
func (c *Cluster) serveOperator(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		httpError(w, "405 Method Not Allowed. Expecting one of { 'POST' }, but received '"+r.Method+"'.", http.StatusMethodNotAllowed)
		return
	}
	if len(r.Header.Values("Content-Type")) == 0 {
		httpError(w, "Expecting 'Content-Type' to be present", http.StatusBadRequest)
		return
	}
	reqCodec, ok := codecs.ByMediaType[encoding.MediaType(r.Header.Get("Content-Type"))]
	if !ok {
		httpError(w, "Expecting 'Content-Type' of "+string(codecs.MediaTypeJSON)+" or "+string(codecs.MediaTypeProtobuf),
			http.StatusUnsupportedMediaType)
		return
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, maxCallBytes))
	if err != nil {
		httpError(w, "Failed to read body: "+err.Error(), http.StatusBadRequest)
		return
	}
	var call mpb.Call
	if err := reqCodec.NewDecoder(encoding.SourceReader(bytes.NewReader(body))).Decode(&call); err != nil {
		httpError(w, "Failed to parse body into Call: "+err.Error(), http.StatusBadRequest)
		return
	}
	codec, ok := negotiate(r.Header.Values("Accept"))
	if !ok {
		httpError(w, "Expecting 'Accept' to allow '"+string(codecs.MediaTypeProtobuf)+"' or '"+string(codecs.MediaTypeJSON)+"'",
			http.StatusNotAcceptable)
		return
	}
	resp, msg := c.operatorCall(&call)
	if msg != "" {
		httpError(w, msg, http.StatusNotImplemented)
		return
	}
	var out bytes.Buffer
	enc := eventEncoder(codec, func() framing.Writer { return plainWriter{&out} })
	if err := enc.Encode(resp); err != nil {
		httpError(w, "Failed to encode the response: "+err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", string(codec.Type))
	w.Write(out.Bytes())
}

// plainWriter writes each frame as it is: operator responses are whole
// bodies, not RecordIO.
type plainWriter struct{ w io.Writer }

func (p plainWriter) WriteFrame(b []byte) error { _, err := p.w.Write(b); return err }

// operatorCall answers a read call, or says why it cannot.
func (c *Cluster) operatorCall(call *mpb.Call) (*mpb.Response, string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	// The two enums share names, not numbers.
	resp := &mpb.Response{Type: mpb.Response_Type(mpb.Response_Type_value[call.Type.String()])}
	switch call.Type {
	case mpb.Call_GET_HEALTH:
		resp.GetHealth = &mpb.Response_GetHealth{Healthy: true}
	case mpb.Call_GET_VERSION:
		resp.GetVersion = &mpb.Response_GetVersion{VersionInfo: mesos.VersionInfo{Version: mesosVersion}}
	case mpb.Call_GET_AGENTS:
		resp.GetAgents = c.getAgentsLocked()
	case mpb.Call_GET_FRAMEWORKS:
		resp.GetFrameworks = c.getFrameworksLocked()
	case mpb.Call_GET_TASKS:
		resp.GetTasks = c.getTasksLocked()
	case mpb.Call_GET_STATE:
		resp.GetState = &mpb.Response_GetState{
			GetTasks:      c.getTasksLocked(),
			GetExecutors:  &mpb.Response_GetExecutors{},
			GetFrameworks: c.getFrameworksLocked(),
			GetAgents:     c.getAgentsLocked(),
		}
	default:
		return nil, call.Type.String() + " is not supported by the embedded cluster: it answers the operator API's " +
			"GET_HEALTH, GET_VERSION, GET_STATE, GET_AGENTS, GET_FRAMEWORKS and GET_TASKS"
	}
	return resp, ""
}

func (c *Cluster) getAgentsLocked() *mpb.Response_GetAgents {
	out := &mpb.Response_GetAgents{}
	for _, a := range c.state.agents {
		if a.lost {
			continue // killed (faults.go): no longer registered
		}
		port := int32(0)
		if addr, ok := a.ln.Addr().(*net.TCPAddr); ok {
			port = int32(addr.Port)
		}
		pid := strings.TrimPrefix(a.path, "/") + "@" + a.ln.Addr().String()
		var offered res
		for _, o := range a.offers {
			offered = offered.plus(o.res)
		}
		out.Agents = append(out.Agents, mpb.Response_GetAgents_Agent{
			AgentInfo: mesos.AgentInfo{
				ID: &mesos.AgentID{Value: a.id}, Hostname: c.state.hostname, Port: &port,
				Resources: withPorts(a.total, a.allPorts, ""), Attributes: a.attrs,
			},
			Active:             true,
			Version:            mesosVersion,
			PID:                &pid,
			RegisteredTime:     timeInfo(c.state.started),
			TotalResources:     withPorts(a.total, a.allPorts, ""),
			AllocatedResources: withPorts(a.used, nil, ""),
			OfferedResources:   withPorts(offered, nil, ""),
		})
	}
	return out
}

func (c *Cluster) getFrameworksLocked() *mpb.Response_GetFrameworks {
	out := &mpb.Response_GetFrameworks{}
	entry := func(fw *framework) mpb.Response_GetFrameworks_Framework {
		info := mesos.FrameworkInfo{}
		if fw.info != nil {
			info = *fw.info
		}
		info.ID = &mesos.FrameworkID{Value: fw.id}
		var used res
		for _, t := range fw.tasks {
			if !t.terminal() {
				used = used.plus(t.res)
			}
		}
		return mpb.Response_GetFrameworks_Framework{
			FrameworkInfo:      info,
			Active:             fw.stream != nil && !fw.removed,
			Connected:          fw.stream != nil,
			RegisteredTime:     timeInfo(fw.registered),
			AllocatedResources: withPorts(used, nil, fw.role),
		}
	}
	for _, fw := range sortedFrameworks(c.state.frameworks) {
		out.Frameworks = append(out.Frameworks, entry(fw))
	}
	for _, fw := range c.state.completedFWs {
		out.CompletedFrameworks = append(out.CompletedFrameworks, entry(fw))
	}
	return out
}

func (c *Cluster) getTasksLocked() *mpb.Response_GetTasks {
	out := &mpb.Response_GetTasks{}
	for _, fw := range sortedFrameworks(c.state.frameworks) {
		for _, t := range sortedTasks(fw.tasks) {
			out.Tasks = append(out.Tasks, taskProto(t))
		}
		for _, t := range fw.completed {
			out.CompletedTasks = append(out.CompletedTasks, taskProto(t))
		}
	}
	return out
}

// taskProto is the Task message the operator API and GET_TASKS carry.
func taskProto(t *task) mesos.Task {
	state := t.state
	out := mesos.Task{
		Name:        t.name,
		TaskID:      mesos.TaskID{Value: t.id},
		FrameworkID: mesos.FrameworkID{Value: t.fw.id},
		AgentID:     mesos.AgentID{Value: t.agent.id},
		State:       &state,
		Resources:   withPorts(t.res, t.ports, ""),
	}
	for _, st := range t.statuses {
		st.UUID = nil
		out.Statuses = append(out.Statuses, st)
	}
	if n := len(t.pending); n > 0 {
		head := t.pending[0]
		out.StatusUpdateState, out.StatusUpdateUUID = head.State, head.UUID
	}
	return out
}

func timeInfo(t time.Time) *mesos.TimeInfo { return &mesos.TimeInfo{Nanoseconds: t.UnixNano()} }
