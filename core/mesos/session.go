package mesoscluster

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	mesos "github.com/mesos/mesos-go/api/v1/lib"
	"github.com/mesos/mesos-go/api/v1/lib/scheduler"
	"github.com/mesos/mesos-go/api/v1/lib/scheduler/calls"

	"github.com/batchd/batchd/core"
)

// ErrHeartbeatTimeout is the cause of a Disconnected event when the master
// went silent for longer than three heartbeat intervals.
var ErrHeartbeatTimeout = errors.New("mesoscluster: no heartbeat from master")

// MasterError is returned by Run when the master sent an ERROR event: the
// scheduler API says the framework must not carry on (e.g. it was removed).
type MasterError struct{ Message string }

func (e *MasterError) Error() string { return "mesoscluster: master sent ERROR: " + e.Message }

// defaultHeartbeat is what Mesos uses when SUBSCRIBED names no interval.
const defaultHeartbeat = 15 * time.Second

// watchdogTimeout is how long the stream may stay silent once the master
// has promised heartbeats every hb.
func watchdogTimeout(hb, slack time.Duration) time.Duration {
	if hb <= 0 {
		hb = defaultHeartbeat
	}
	return 3*hb + slack
}

func secondsToDuration(s float64) time.Duration { return time.Duration(s * float64(time.Second)) }

// Run subscribes and delivers events until ctx ends (it then returns nil),
// Teardown was called (nil), the master sent ERROR (*MasterError) or
// refused the credentials (*AuthError), or a master never reached answered
// nothing for ConnectTimeout.
func (c *Cluster) Run(ctx context.Context, events chan<- core.Event) error {
	defer c.transport.CloseIdleConnections()
	defer c.files.CloseIdleConnections()
	start := time.Now()
	backoff := c.minBackoff
	everSubscribed := false
	for {
		var limit time.Duration // a master never reached must answer within ConnectTimeout
		if !everSubscribed {
			limit = max(c.cfg.ConnectTimeout-time.Since(start), time.Millisecond)
		}
		subscribed, err := c.session(ctx, events, limit)
		everSubscribed = everSubscribed || subscribed
		if ctx.Err() != nil || c.isTornDown() {
			return nil
		}
		var me *MasterError
		if errors.As(err, &me) {
			return err
		}
		if aerr := c.authError(err); aerr != nil {
			return aerr
		}
		wait := backoff
		if subscribed {
			wait = c.minBackoff
			backoff = c.minBackoff
			if !deliver(ctx, events, core.Event{Disconnected: err}) {
				return nil
			}
		} else {
			backoff = min(2*backoff, c.maxBackoff)
		}
		if !everSubscribed {
			left := c.cfg.ConnectTimeout - time.Since(start)
			if left <= 0 {
				return fmt.Errorf("connecting to mesos master %s: gave up after %s: %w", c.cfg.Master, c.cfg.ConnectTimeout, err)
			}
			wait = min(wait, left)
		}
		c.log.Warn("mesos connection lost, re-subscribing", "master", c.cfg.Master, "in", wait, "err", err)
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return nil
		case <-t.C:
		}
	}
}

func (c *Cluster) isTornDown() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.tornDown
}

// deliver sends ev unless ctx ends first; it reports whether ev was received.
func deliver(ctx context.Context, events chan<- core.Event, ev core.Event) bool {
	select {
	case events <- ev:
		return true
	case <-ctx.Done():
		return false
	}
}

type decoded struct {
	ev  *scheduler.Event
	err error
}

// session runs one subscription: it returns when the stream ends, the
// watchdog fires, ctx ends or Teardown stops it. subscribed reports whether
// SUBSCRIBED arrived. A non-zero limit bounds the SUBSCRIBE call itself.
func (c *Cluster) session(ctx context.Context, events chan<- core.Event, limit time.Duration) (subscribed bool, err error) {
	sctx, cancel := context.WithCancel(ctx)
	defer cancel()
	c.mu.Lock()
	fid := c.frameworkID
	c.stopSession = cancel
	c.mu.Unlock()

	stopLimit := func() bool { return true }
	if limit > 0 {
		stopLimit = time.AfterFunc(limit, cancel).Stop
	}
	resp, err := c.caller.Call(sctx, calls.Subscribe(frameworkInfo(c.cfg, fid)))
	if !stopLimit() && err == nil {
		err = fmt.Errorf("no answer within %s", limit)
	}
	if err != nil {
		if resp != nil {
			resp.Close()
		}
		return false, fmt.Errorf("subscribing to %s: %w", c.endpoint, err)
	}
	// Registered before the cleanup below so that it runs after cancel:
	// acknowledgements still queued then are abandoned, not waited for.
	acks := c.startAcker(sctx)
	defer acks.stop()
	in := make(chan decoded)
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			var ev scheduler.Event
			err := resp.Decode(&ev)
			select {
			case in <- decoded{&ev, err}:
			case <-sctx.Done():
				return
			}
			if err != nil {
				return
			}
		}
	}()
	defer func() {
		cancel()
		resp.Close()
		wg.Wait()
		c.mu.Lock()
		c.connected = false
		c.stopSession = nil
		clear(c.pools)
		c.mu.Unlock()
	}()

	timeout := c.firstEventTimeout
	wd := time.NewTimer(timeout)
	defer wd.Stop()
	for {
		var d decoded
		select {
		case <-sctx.Done():
			return subscribed, sctx.Err()
		case d = <-in:
		case <-wd.C:
			select { // an event that raced the timer still counts
			case d = <-in:
			default:
				return subscribed, fmt.Errorf("mesos master %s silent for %s: %w", c.cfg.Master, timeout, ErrHeartbeatTimeout)
			}
		}
		if d.err != nil {
			return subscribed, fmt.Errorf("reading events from %s: %w", c.endpoint, d.err)
		}
		if d.ev.Type == scheduler.Event_SUBSCRIBED && d.ev.Subscribed != nil {
			subscribed = true
			timeout = watchdogTimeout(secondsToDuration(d.ev.Subscribed.GetHeartbeatIntervalSeconds()), c.hbSlack)
			if c.cfg.HeartbeatTimeout > 0 {
				timeout = c.cfg.HeartbeatTimeout
			}
		}
		if err := c.handle(sctx, events, d.ev, acks); err != nil {
			return subscribed, err
		}
		// Time spent waiting for the consumer does not count as silence.
		wd.Reset(timeout)
	}
}

// handle translates one event, delivers it and acknowledges updates.
func (c *Cluster) handle(ctx context.Context, events chan<- core.Event, ev *scheduler.Event, acks *acker) error {
	switch ev.Type {
	case scheduler.Event_SUBSCRIBED:
		if ev.Subscribed == nil {
			return nil
		}
		s := subscribedFromProto(ev.Subscribed)
		c.mu.Lock()
		c.frameworkID = s.FrameworkID
		c.connected = true
		c.mu.Unlock()
		c.log.Info("subscribed to mesos master", "master", c.cfg.Master, "framework_id", s.FrameworkID, "heartbeat", s.Heartbeat)
		deliver(ctx, events, core.Event{Subscribed: &s})
	case scheduler.Event_OFFERS:
		if ev.Offers == nil {
			return nil
		}
		role := c.role()
		offers := make([]core.Offer, 0, len(ev.Offers.Offers))
		c.mu.Lock()
		for i := range ev.Offers.Offers {
			o := &ev.Offers.Offers[i]
			offers = append(offers, offerFromProto(o, role))
			c.pools[o.ID.Value] = &resourcePool{pieces: usableResources(o, role), role: role}
			c.agents[o.AgentID.Value] = agentBase(o)
		}
		c.mu.Unlock()
		deliver(ctx, events, core.Event{Offers: offers})
	case scheduler.Event_RESCIND:
		if ev.Rescind == nil {
			return nil
		}
		id := ev.Rescind.OfferID.Value
		c.mu.Lock()
		delete(c.pools, id)
		c.mu.Unlock()
		deliver(ctx, events, core.Event{Rescinded: id})
	case scheduler.Event_UPDATE:
		if ev.Update == nil {
			return nil
		}
		st := &ev.Update.Status
		u := updateFromProto(st)
		if !deliver(ctx, events, core.Event{Update: &u}) {
			return nil
		}
		if len(st.UUID) > 0 {
			acks.ack(ctx, st)
		}
	case scheduler.Event_ERROR:
		msg := ""
		if ev.Error != nil {
			msg = ev.Error.Message
		}
		err := &MasterError{Message: msg}
		deliver(ctx, events, core.Event{Disconnected: err})
		return err
	case scheduler.Event_FAILURE:
		// Lost agents also produce TASK_LOST/GONE updates; the event itself
		// has no core.Event counterpart.
		// An executor that exited with status 0 (a command task that
		// finished) is routine.
		if f := ev.Failure; f != nil {
			level := slog.LevelWarn
			if f.ExecutorID != nil && f.GetStatus() == 0 {
				level = slog.LevelDebug
			}
			c.log.Log(ctx, level, "mesos reported a failure", "agent", f.GetAgentID().GetValue(),
				"executor", f.GetExecutorID().GetValue(), "status", f.GetStatus())
		}
	case scheduler.Event_HEARTBEAT:
	default:
		c.log.Debug("ignoring mesos event", "type", ev.Type.String())
	}
	return nil
}

func (c *Cluster) acknowledge(ctx context.Context, st *mesos.TaskStatus) {
	agent := ""
	if st.AgentID != nil {
		agent = st.AgentID.Value
	}
	if err := c.call(ctx, calls.Acknowledge(agent, st.TaskID.Value, st.UUID)); err != nil {
		c.log.Warn("acknowledging status update", "task", st.TaskID.Value, "state", st.GetState().String(), "err", err)
	}
}
