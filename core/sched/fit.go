package sched

import (
	"errors"
	"fmt"
	"time"

	"github.com/batchd/batchd/core"
)

// ErrNoFit is wrapped by the Outcome of a task no offer could fit for
// Config.OfferWait: it asks for more cpus or memory than any agent offered.
var ErrNoFit = errors.New("sched: no offer fits the task")

// capacity is an amount of cpus and memory.
type capacity struct{ cpus, mem float64 }

func (c capacity) holds(t *task) bool {
	return t.CPUs <= c.cpus+fitSlack && t.MemMB <= c.mem+fitSlack
}

// fitCheckEvery is how often pending tasks are checked against what the
// agents offered: a tenth of the wait, so a task fails at most a little
// after OfferWait.
func (s *Scheduler) fitCheckEvery() time.Duration {
	return max(s.cfg.OfferWait/10, 10*time.Millisecond)
}

// observeOffers keeps the largest resources each agent offered. While
// some pending task fits none of them, what this framework's attempts in
// flight hold on the agent counts too: an agent busy with them offers
// little, but can run the task once they end (a restarted batchd first sees
// agents full of the tasks it resumed). The estimate errs on the large
// side (an attempt whose end is not yet reported may already be free
// again), so a task is failed only when even that is too small; the
// warning quotes the largest offer itself.
func (s *Scheduler) observeOffers(offers []core.Offer) {
	if s.cfg.OfferWait <= 0 {
		return
	}
	var used map[string]capacity
	if s.st.unfit {
		used = make(map[string]capacity)
		for _, t := range s.st.byAttempt {
			if t.cur.finished {
				// Its resources are free again: the master sent its
				// terminal update before offering them.
				continue
			}
			u := used[t.cur.agentID]
			used[t.cur.agentID] = capacity{u.cpus + t.CPUs, u.mem + t.MemMB}
		}
	}
	for _, o := range offers {
		if o.CPUs > s.st.largest.cpus || o.CPUs == s.st.largest.cpus && o.MemMB > s.st.largest.mem {
			s.st.largest = capacity{o.CPUs, o.MemMB}
		}
		u := used[o.AgentID]
		m := s.st.agentMax[o.AgentID]
		s.st.agentMax[o.AgentID] = capacity{max(m.cpus, o.CPUs+u.cpus), max(m.mem, o.MemMB+u.mem)}
	}
}

// armFitCheck schedules the next check while tasks are pending.
func (s *Scheduler) armFitCheck() {
	if s.cfg.OfferWait <= 0 || len(s.st.pending) == 0 || !s.st.fitCheck.IsZero() {
		return
	}
	s.st.fitCheck = time.Now().Add(s.fitCheckEvery())
	s.st.due(s.st.fitCheck)
}

// checkFit fails the pending tasks that no agent could fit for OfferWait:
// none offered enough (with what this framework holds there), and no
// attempt at least as large is in flight. The wait restarts while the
// cluster is disconnected.
func (s *Scheduler) checkFit(now time.Time) {
	s.st.fitCheck = time.Time{}
	s.st.unfit = false
	if len(s.st.pending) == 0 {
		return
	}
	defer s.armFitCheck()
	if !s.st.connected {
		for _, t := range s.st.pending {
			t.pendingSince = time.Time{}
		}
		return
	}
	var running []capacity // the distinct sizes of attempts in flight
	seen := map[capacity]bool{}
	for _, t := range s.st.byAttempt {
		if c := (capacity{t.CPUs, t.MemMB}); !seen[c] {
			seen[c] = true
			running = append(running, c)
		}
	}
	fits := map[capacity]bool{}
	fit := func(t *task) bool {
		size := capacity{t.CPUs, t.MemMB}
		ok, known := fits[size]
		if !known {
			for _, c := range s.st.agentMax {
				ok = ok || c.holds(t)
			}
			for _, c := range running {
				ok = ok || c.holds(t)
			}
			fits[size] = ok
		}
		return ok
	}
	list := s.st.pending
	kept := list[:0]
	var failed []*task
	for _, t := range list {
		switch {
		case fit(t):
			t.pendingSince = time.Time{}
		case t.pendingSince.IsZero():
			t.pendingSince = now
			s.st.unfit = true
		case now.Sub(t.pendingSince) >= s.cfg.OfferWait:
			failed = append(failed, t)
			continue
		default:
			s.st.unfit = true
		}
		kept = append(kept, t)
	}
	clear(list[len(kept):])
	s.st.pending = kept
	for _, t := range failed {
		s.noFit(t)
	}
}

// noFit ends t for want of an agent that could run it, warning once per job.
func (s *Scheduler) noFit(t *task) {
	largest := "none was seen"
	if len(s.st.agentMax) > 0 {
		largest = fmt.Sprintf("cpus %g, mem %g MB", s.st.largest.cpus, s.st.largest.mem)
	}
	msg := fmt.Sprintf("no offer in %s could fit a task of job %s (cpus %g, mem %g MB); the largest offer: %s ([cluster] offer_wait)",
		s.cfg.OfferWait, t.Job, t.CPUs, t.MemMB, largest)
	if !s.st.noFitWarned[t.Job] {
		s.st.noFitWarned[t.Job] = true
		s.log.Warn("no agent can run the job's tasks; failing them", "job", t.Job, "cpus", t.CPUs, "mem_mb", t.MemMB,
			"largest_offer", largest, "waited", s.cfg.OfferWait)
	}
	s.finish(t, Outcome{Key: t.Key, TaskID: AttemptID(t.Key, max(t.attempts, 1)), Attempts: t.attempts, Message: msg,
		Err: fmt.Errorf("%w: %s: %s", ErrNoFit, t.Key, msg)})
}
