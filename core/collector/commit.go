package collector

import (
	"fmt"
)

// Group commit. Records are appended to the log in order under c.mu, as
// they arrive (a registration is in the page cache before its token is
// handed out, so it survives batchd being killed). Making them durable is
// the committer's job: a result joins the current batch and waits; the
// committer goroutine takes the batch, fsyncs once for every record written
// before it took it, and wakes all the batch's waiters with the outcome.
// While one fsync runs, the posts arriving meanwhile gather into the next
// batch, so 32 concurrent posts cost a handful of fsyncs, not 32.

// batch is one group commit.
type batch struct {
	done chan struct{}
	err  error // set before done is closed
}

func newBatch() *batch { return &batch{done: make(chan struct{})} }

// committed is the batch results reloaded from the log belong to: durable.
var committed = func() *batch {
	b := newBatch()
	close(b.done)
	return b
}()

// syncer is what the committer makes durable: the log file, or a test's
// wrapper around it.
type syncer interface{ Sync() error }

// joinLocked returns the batch whose fsync makes the records written so far
// durable, and wakes the committer. c.mu must be held.
func (c *Collector) joinLocked() *batch {
	b := c.cur
	select {
	case c.kick <- struct{}{}:
	default: // a wake-up is pending; it takes this batch too
	}
	return b
}

// commitLoop runs until stop is closed: it makes each batch durable in turn.
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
		broken := c.broken
		c.mu.Unlock()
		if broken != nil {
			// A failed write or fsync may have lost records written
			// before it; a later fsync succeeding proves nothing.
			b.err = fmt.Errorf("%w: %v", ErrBroken, broken)
		} else {
			b.err = c.sync()
		}
		close(b.done)
	}
}

// sync makes every write so far durable. A failure breaks the collector.
func (c *Collector) sync() error {
	if err := c.syncer.Sync(); err != nil {
		c.mu.Lock()
		if c.broken == nil {
			c.broken = err
		}
		c.mu.Unlock()
		return fmt.Errorf("syncing results log %s: %w", c.path, err)
	}
	return nil
}
