package localcluster

import (
	"fmt"
	"net"
	"sort"
	"time"

	mesos "github.com/mesos/mesos-go/api/v1/lib"
	"github.com/mesos/mesos-go/api/v1/lib/scheduler"
)

// defaultRefuse is Filters.refuse_seconds' default.
const defaultRefuse = 5 * time.Second

// offer is an outstanding offer of one agent's free resources to one framework.
type offer struct {
	id      string
	fw      *framework
	agent   *agent
	res     res
	ports   mesos.Ranges
	created time.Time
}

// allocateLoop makes offers until the cluster stops: OfferDelay after
// anything calls wake (resources freed, declined, revived...), at the
// earliest moment a refuse filter or an offer's timeout runs out, and every
// OfferInterval as a backstop.
func (c *Cluster) allocateLoop() {
	defer c.wg.Done()
	tick := time.NewTicker(c.cfg.OfferInterval)
	defer tick.Stop()
	coalesce := time.NewTimer(time.Hour) // runs while wakes are being gathered
	coalesce.Stop()
	var gathering <-chan time.Time
	deadline := time.NewTimer(time.Hour) // the next filter or offer expiry
	deadline.Stop()
	for {
		var now time.Time
		select {
		case <-c.ctx.Done():
			coalesce.Stop()
			deadline.Stop()
			return
		case <-c.kick:
			if gathering == nil {
				coalesce.Reset(c.cfg.OfferDelay)
				gathering = coalesce.C
			}
			continue
		case now = <-gathering:
			gathering = nil
		case now = <-deadline.C:
		case now = <-tick.C:
		}
		c.mu.Lock()
		c.expireOffersLocked(now)
		c.allocateLocked(now)
		next := c.nextExpiryLocked(now)
		c.mu.Unlock()
		deadline.Stop()
		if !next.IsZero() {
			deadline.Reset(next.Sub(now))
		}
	}
}

// wake asks the allocator for a round of offers soon; wakes within
// OfferDelay of each other make one round. It never blocks, so it may be
// called with c.mu held.
func (c *Cluster) wake() {
	select {
	case c.kick <- struct{}{}:
	default:
	}
}

// nextExpiryLocked is when the earliest refuse filter or offer timeout runs
// out after now; zero if none is due. Filters of frameworks that want no
// offers count too: they may revive or resubscribe before then.
func (c *Cluster) nextExpiryLocked(now time.Time) time.Time {
	var next time.Time
	earlier := func(t time.Time) {
		if t.After(now) && (next.IsZero() || t.Before(next)) {
			next = t
		}
	}
	for _, fw := range c.state.frameworks {
		for _, f := range fw.filters {
			earlier(f.until)
		}
	}
	if c.cfg.OfferTimeout > 0 {
		for _, o := range c.state.offers {
			earlier(o.created.Add(c.cfg.OfferTimeout))
		}
	}
	return next
}

// allocateLocked offers each agent's free resources not already offered
// to the next framework that wants them (round robin).
func (c *Cluster) allocateLocked(now time.Time) {
	m := &c.state
	if m.closed {
		return
	}
	var fws []*framework
	for _, fw := range m.frameworks {
		if fw.stream != nil && !fw.suppressed {
			fws = append(fws, fw)
		}
	}
	if len(fws) == 0 {
		return
	}
	sort.Slice(fws, func(i, j int) bool { return fws[i].id < fws[j].id })
	batches := map[*framework][]mesos.Offer{}
	for _, a := range m.agents {
		free, ports := a.unoffered()
		if !free.allocatable() {
			continue
		}
		for i := range fws {
			fw := fws[(m.rr+i)%len(fws)]
			if f, ok := fw.filters[a.id]; ok && now.Before(f.until) && f.res.contains(free) {
				continue
			}
			delete(fw.filters, a.id)
			m.nextOffer++
			o := &offer{id: fmt.Sprintf("%s-O%d", m.id, m.nextOffer), fw: fw, agent: a, res: free, ports: ports.Clone(), created: now}
			m.offers[o.id] = o
			a.offers[o.id] = o
			batches[fw] = append(batches[fw], c.offerProto(o))
			m.rr++
			break
		}
	}
	for fw, offers := range batches {
		fw.send(&scheduler.Event{Type: scheduler.Event_OFFERS, Offers: &scheduler.Event_Offers{Offers: offers}})
	}
}

func (c *Cluster) offerProto(o *offer) mesos.Offer {
	role := ""
	if o.fw.multiRole {
		role = o.fw.role
	}
	p := mesos.Offer{
		ID:          mesos.OfferID{Value: o.id},
		FrameworkID: mesos.FrameworkID{Value: o.fw.id},
		AgentID:     mesos.AgentID{Value: o.agent.id},
		Hostname:    c.state.hostname,
		Resources:   withPorts(o.res, o.ports, role),
		Attributes:  o.agent.attrs,
	}
	// Mesos always sets the agent's URL, and frameworks read it: the
	// agent's own address (where it serves /files/read) and its
	// libprocess path.
	if addr, ok := o.agent.ln.Addr().(*net.TCPAddr); ok {
		ip := addr.IP.String()
		p.URL = &mesos.URL{Scheme: "http", Path: &o.agent.path,
			Address: mesos.Address{Hostname: &c.state.hostname, IP: &ip, Port: int32(addr.Port)}}
	}
	if role != "" {
		p.AllocationInfo = &mesos.Resource_AllocationInfo{Role: &role}
	}
	return p
}

// expireOffersLocked rescinds offers held longer than OfferTimeout.
func (c *Cluster) expireOffersLocked(now time.Time) {
	if c.cfg.OfferTimeout <= 0 {
		return
	}
	for id, o := range c.state.offers {
		if now.Sub(o.created) >= c.cfg.OfferTimeout {
			c.removeOfferLocked(o)
			o.fw.send(&scheduler.Event{Type: scheduler.Event_RESCIND, Rescind: &scheduler.Event_Rescind{OfferID: mesos.OfferID{Value: id}}})
		}
	}
}

func (c *Cluster) removeOfferLocked(o *offer) {
	delete(c.state.offers, o.id)
	delete(o.agent.offers, o.id)
}

// recoverOffersLocked returns the framework's outstanding offers to the pool.
func (c *Cluster) recoverOffersLocked(fw *framework) {
	for _, o := range c.state.offers {
		if o.fw == fw {
			c.removeOfferLocked(o)
			c.wake()
		}
	}
}

// refusal is a framework's filter on one agent: as in Mesos, it holds back
// offers whose resources are within the refused ones until it expires, so
// an agent whose free resources grew (tasks ended) is offered again at once.
type refusal struct {
	until time.Time
	res   res
}

// filterLocked keeps refused, the resources the framework declined or left
// unused on an agent, from it for the filter's refuse_seconds (5 s by default).
func filterLocked(fw *framework, a *agent, refused res, f *mesos.Filters, now time.Time) {
	d := defaultRefuse
	if f != nil && f.RefuseSeconds != nil {
		d = time.Duration(*f.RefuseSeconds * float64(time.Second))
	}
	if d > 0 {
		fw.filters[a.id] = refusal{until: now.Add(d), res: refused}
	} else {
		delete(fw.filters, a.id)
	}
}

// decline returns offers unused and filters their agents.
func (c *Cluster) declineLocked(fw *framework, d *scheduler.Call_Decline) {
	now := time.Now()
	for _, id := range d.OfferIDs {
		o := c.state.offers[id.Value]
		if o == nil || o.fw != fw {
			continue
		}
		c.removeOfferLocked(o)
		filterLocked(fw, o.agent, o.res, d.Filters, now)
		c.wake()
	}
}
