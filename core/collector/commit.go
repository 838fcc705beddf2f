package collector

// Group commit. An accepted result joins the current batch and its post
// waits. The commit loop takes the batch, drops the results of attempts
// forgotten meanwhile, hands the rest to the Committer in one call, and
// wakes all the batch's waiters with the outcome. While one Commit runs, the posts arriving meanwhile gather into
// the next batch, so 32 concurrent posts cost a handful of commits, not 32.

// batch is one group commit.
type batch struct {
	pending []*pending // in the order they were accepted
	done    chan struct{}
	err     error // set before done is closed
}

func newBatch() *batch { return &batch{done: make(chan struct{})} }

// joinLocked adds p to the current batch and wakes the commit loop. c.mu
// must be held.
func (c *Collector) joinLocked(p *pending) {
	p.batch = c.cur
	c.cur.pending = append(c.cur.pending, p)
	select {
	case c.kick <- struct{}{}:
	default: // a wake-up is pending; it takes this result too
	}
}

// commitLoop runs until stop is closed: it commits each batch in turn.
func (c *Collector) commitLoop() {
	defer close(c.stopped)
	for {
		select {
		case <-c.stop:
			return
		case <-c.kick:
		}
		c.mu.Lock()
		b := c.cur
		c.cur = newBatch()
		c.dropStaleLocked(b)
		c.mu.Unlock()
		if len(b.pending) == 0 { // its results went with the previous wake-up, or are stale
			close(b.done)
			continue
		}
		results := make([]Result, 0, len(b.pending))
		for _, p := range b.pending {
			results = append(results, p.result)
		}
		b.err = c.committer.Commit(results)
		if b.err != nil {
			// The results are not kept: their attempts may post again.
			c.mu.Lock()
			for _, p := range b.pending {
				if p.att.res == p {
					p.att.res = nil
				}
			}
			c.mu.Unlock()
		}
		close(b.done)
	}
}

// dropStaleLocked takes out of b the results of attempts forgotten since
// they were accepted: an attempt forgotten before its batch's Commit begins
// never has its result committed. c.mu must be held.
func (c *Collector) dropStaleLocked(b *batch) {
	kept := b.pending[:0]
	for _, p := range b.pending {
		if c.current[p.result.TaskID] == p.att {
			kept = append(kept, p)
		} else {
			p.stale = true
		}
	}
	clear(b.pending[len(kept):])
	b.pending = kept
}
