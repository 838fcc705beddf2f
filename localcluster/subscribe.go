package localcluster

import (
	"encoding/binary"
	"fmt"
	"net"
	"net/http"
	"time"

	mesos "github.com/mesos/mesos-go/api/v1/lib"
	"github.com/mesos/mesos-go/api/v1/lib/encoding"
	"github.com/mesos/mesos-go/api/v1/lib/scheduler"
)

// subscribe answers SUBSCRIBE: it registers (or fails over) the framework,
// sends the response headers at once and then owns the event stream.
func (c *Cluster) subscribe(w http.ResponseWriter, r *http.Request, call *scheduler.Call, codec encoding.Codec) {
	info := call.GetSubscribe().GetFrameworkInfo()
	if _, ok := w.(http.Flusher); !ok {
		httpError(w, "streaming unsupported", http.StatusInternalServerError)
		return
	}

	c.mu.Lock()
	if c.state.closed {
		c.mu.Unlock()
		httpError(w, "Master is shutting down", http.StatusServiceUnavailable)
		return
	}
	s, fwID := c.subscribeLocked(call, info)
	c.mu.Unlock()

	h := w.Header()
	h.Set("Content-Type", codec.Type.ContentType())
	h.Set(headerStreamID, s.id)
	w.WriteHeader(http.StatusOK)
	w.(http.Flusher).Flush()
	c.log.Info("framework subscribed", "framework", fwID, "name", info.Name, "stream", s.id)
	c.serveStream(w, r, s, fwID, codec)
}

func (c *Cluster) subscribeLocked(call *scheduler.Call, info *mesos.FrameworkInfo) (*stream, string) {
	m := &c.state
	id := info.GetID().GetValue()
	if m.wasRemoved(id) {
		// Mesos refuses a framework id it has torn down (master.cpp,
		// validateFramework): an ERROR, then the stream ends.
		s := newStream()
		s.send(&scheduler.Event{Type: scheduler.Event_ERROR, Error: &scheduler.Event_Error{Message: "Framework has been removed"}})
		s.close()
		return s, id
	}
	fw := m.frameworks[id]
	if fw == nil {
		if id == "" {
			id = fmt.Sprintf("%s-%04d", m.id, m.nextFW)
			m.nextFW++
		}
		fw = newFramework(id)
		m.frameworks[id] = fw
	}
	if fw.failover != nil {
		fw.failover.Stop()
		fw.failover = nil
	}
	if old := fw.stream; old != nil {
		old.send(&scheduler.Event{Type: scheduler.Event_ERROR, Error: &scheduler.Event_Error{Message: "Framework failed over"}})
		old.close()
		c.recoverOffersLocked(fw)
	}
	info.ID = &mesos.FrameworkID{Value: id}
	fw.setInfo(info)
	fw.suppressed = false
	for _, r := range call.GetSubscribe().GetSuppressedRoles() {
		if r == fw.role {
			fw.suppressed = true
		}
	}
	s := newStream()
	fw.stream = s
	hb := c.cfg.HeartbeatInterval.Seconds()
	s.send(&scheduler.Event{
		Type: scheduler.Event_SUBSCRIBED,
		Subscribed: &scheduler.Event_Subscribed{
			FrameworkID:              &mesos.FrameworkID{Value: id},
			HeartbeatIntervalSeconds: &hb,
			MasterInfo:               c.masterInfo(),
		},
	})
	// Mesos's heartbeater sends its first HEARTBEAT at once
	// (src/common/heartbeater.hpp), then one per interval.
	s.send(&scheduler.Event{Type: scheduler.Event_HEARTBEAT})
	// Updates not yet acknowledged go to the new subscriber, in order.
	for _, t := range fw.tasks {
		if len(t.pending) > 0 {
			t.backoff = 0
			c.sendHeadLocked(t)
		}
	}
	c.allocateLocked(time.Now())
	return s, id
}

func (c *Cluster) masterInfo() *mesos.MasterInfo {
	addr, _ := c.ln.Addr().(*net.TCPAddr)
	mi := &mesos.MasterInfo{ID: c.state.id, Hostname: &c.state.hostname, Version: &version}
	if addr != nil {
		port := uint32(addr.Port)
		ip := addr.IP.String()
		mi.Port = &port
		if ip4 := addr.IP.To4(); ip4 != nil {
			mi.IP = binary.LittleEndian.Uint32(ip4) // network order, as Mesos stores it
		}
		mi.Address = &mesos.Address{Hostname: &c.state.hostname, IP: &ip, Port: int32(addr.Port)}
		pid := fmt.Sprintf("master@%s:%d", ip, addr.Port)
		mi.PID = &pid
	}
	return mi
}

// version is the Mesos version the cluster behaves as.
var version = "1.11.1"

// streamLost handles a subscriber that went away: offers return to the pool
// and the framework is torn down after its failover timeout.
func (c *Cluster) streamLost(fwID string, s *stream) {
	c.mu.Lock()
	defer c.mu.Unlock()
	s.close()
	fw := c.state.frameworks[fwID]
	if fw == nil || fw.stream != s || c.state.closed {
		return
	}
	fw.stream = nil
	c.recoverOffersLocked(fw)
	timeout := fw.failoverTimeout()
	c.log.Info("framework disconnected", "framework", fwID, "failover_timeout", timeout)
	if timeout <= 0 {
		c.teardownLocked(fw, "disconnected without a failover timeout")
		return
	}
	fw.failover = time.AfterFunc(timeout, func() {
		c.mu.Lock()
		defer c.mu.Unlock()
		if !fw.removed && fw.stream == nil && !c.state.closed {
			c.teardownLocked(fw, "failover timeout expired")
		}
	})
}

// teardownLocked kills the framework's tasks, forgets it and ends its stream.
func (c *Cluster) teardownLocked(fw *framework, why string) {
	c.log.Info("tearing down framework", "framework", fw.id, "why", why)
	fw.removed = true
	delete(c.state.frameworks, fw.id)
	c.state.remember(fw)
	if fw.failover != nil {
		fw.failover.Stop()
	}
	c.recoverOffersLocked(fw)
	for _, t := range fw.tasks {
		t.pending = nil
		t.forgetLocked()
		if !t.terminal() {
			t.kill(c.cfg.KillGracePeriod)
		}
	}
	if fw.stream != nil {
		fw.stream.close()
		fw.stream = nil
	}
}
