package jobs

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"time"

	"github.com/batchd/batchd/core"
	"github.com/batchd/batchd/plugins/workload"
)

// slotCluster is a core.Cluster with a fixed number of slots of slotCPUs on
// one agent. It offers its free slots whenever some are free and offers are
// wanted; a launched task "runs" at once: it posts its result to the
// collector's handler (in process, with the token batchd gave it) and
// finishes. It drives the real scheduler at the speed of batchd alone.
type slotCluster struct {
	slots    int
	slotCPUs float64
	post     http.Handler // the collector's handler

	mu         sync.Mutex
	free       int
	offered    bool // an offer is out
	suppressed bool
	offerSeq   int
	kick       chan struct{}
	finished   chan core.Update
}

var _ core.Cluster = (*slotCluster)(nil)

func newSlotCluster(slots int, slotCPUs float64, post http.Handler) *slotCluster {
	return &slotCluster{
		slots: slots, slotCPUs: slotCPUs, post: post, free: slots,
		kick: make(chan struct{}, 1), finished: make(chan core.Update, slots),
	}
}

func (c *slotCluster) poke() {
	select {
	case c.kick <- struct{}{}:
	default:
	}
}

// Run subscribes, then sends offers and the tasks' updates until ctx ends.
func (c *slotCluster) Run(ctx context.Context, events chan<- core.Event) error {
	send := func(ev core.Event) bool {
		select {
		case events <- ev:
			return true
		case <-ctx.Done():
			return false
		}
	}
	if !send(core.Event{Subscribed: &core.Subscribed{FrameworkID: "fw"}}) {
		return nil
	}
	c.poke()
	for {
		select {
		case <-ctx.Done():
			return nil
		case u := <-c.finished:
			if !send(core.Event{Update: &u}) {
				return nil
			}
			c.mu.Lock()
			c.free++
			c.mu.Unlock()
		case <-c.kick:
		}
		c.mu.Lock()
		var offer *core.Offer
		if c.free > 0 && !c.offered && !c.suppressed {
			c.offerSeq++
			c.offered = true
			offer = &core.Offer{ID: fmt.Sprint("o", c.offerSeq), AgentID: "a1", CPUs: float64(c.free) * c.slotCPUs, MemMB: float64(c.free) * 64}
		}
		c.mu.Unlock()
		if offer != nil && !send(core.Event{Offers: []core.Offer{*offer}}) {
			return nil
		}
	}
}

func (c *slotCluster) Launch(ctx context.Context, _ string, tasks []core.Launch) error {
	c.mu.Lock()
	c.offered = false
	c.free -= len(tasks)
	if c.free < 0 {
		c.mu.Unlock()
		return fmt.Errorf("launched %d tasks beyond the offer", -c.free)
	}
	c.mu.Unlock()
	for _, l := range tasks {
		go c.runTask(ctx, l)
	}
	c.poke()
	return nil
}

// runTask posts the task's result and reports it finished.
func (c *slotCluster) runTask(ctx context.Context, l core.Launch) {
	body := fmt.Sprintf(`{"output":{"sum":%d},"display":"sum of %s = 6"}`, len(l.Command), strings.Join(l.Command[2:], " "))
	req := httptest.NewRequest(http.MethodPost, l.Env[workload.EnvCollectorURL], strings.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+l.Env[workload.EnvTaskToken])
	req.Header.Set("Content-Type", "application/json")
	rec := httptest.NewRecorder()
	c.post.ServeHTTP(rec, req)
	st := core.TaskFinished
	if rec.Code != http.StatusOK {
		st = core.TaskFailed
	}
	select {
	case c.finished <- core.Update{TaskID: l.TaskID, AgentID: "a1", State: st, Message: rec.Body.String()}:
	case <-ctx.Done():
	}
}

func (c *slotCluster) Decline(context.Context, []string, time.Duration) error {
	c.mu.Lock()
	c.offered = false
	c.mu.Unlock()
	return nil
}

func (c *slotCluster) Suppress(context.Context) error {
	c.mu.Lock()
	c.suppressed = true
	c.mu.Unlock()
	return nil
}

func (c *slotCluster) Revive(context.Context) error {
	c.mu.Lock()
	c.suppressed = false
	c.mu.Unlock()
	c.poke()
	return nil
}

func (c *slotCluster) Kill(context.Context, string, string) error      { return nil }
func (c *slotCluster) Reconcile(context.Context, []core.TaskRef) error { return nil }
func (c *slotCluster) Teardown(context.Context) error                  { return nil }
