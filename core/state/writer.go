package state

import (
	"errors"
	"fmt"
	"sync"
	"time"

	bolt "go.etcd.io/bbolt"
)

// writer applies queued writes in group commits: whatever is queued while
// one transaction commits goes into the next one, so a burst of results or
// launches costs a handful of fsyncs, not one each. A write nobody waits
// for (a launch, how an attempt ended) does not start a commit of its own
// at once: it rides with the next waited-for one (a result) or, when none
// comes, commits asyncDelay later. At 2,000 tasks that is one commit per
// task where it was about two, each two fdatasyncs.
type writer struct {
	db *bolt.DB

	mu       sync.Mutex
	queue    []op
	closed   bool
	asyncErr error         // the first failed write nobody waited for
	timer    *time.Timer   // armed while async writes wait for a commit
	delay    time.Duration // asyncDelay; tests change it
	commits  int           // transactions committed, for tests

	kick    chan struct{} // cap 1: the queue has something
	stop    chan struct{}
	stopped chan struct{}
}

// op is one queued write; done is nil when nobody waits for it.
type op struct {
	fn   func(*bolt.Tx) error
	done chan error
}

// errClosed is returned for writes queued after Close.
var errClosed = errors.New("state: store closed")

// asyncDelay is how long a write nobody waits for may wait for a commit
// to ride with before it gets one of its own.
const asyncDelay = 20 * time.Millisecond

func startWriter(db *bolt.DB) *writer {
	w := &writer{db: db, delay: asyncDelay, kick: make(chan struct{}, 1), stop: make(chan struct{}), stopped: make(chan struct{})}
	go w.loop()
	return w
}

// wait queues fn and returns once the transaction holding it is durable.
func (w *writer) wait(fn func(*bolt.Tx) error) error {
	done := make(chan error, 1)
	if err := w.push(op{fn: fn, done: done}, true); err != nil {
		return err
	}
	return <-done
}

// async queues fn; it commits with the next transaction, asyncDelay
// later at most. A failure is kept and reported by Close.
func (w *writer) async(fn func(*bolt.Tx) error) {
	if err := w.push(op{fn: fn}, false); err != nil {
		w.fail(err)
	}
}

// push queues o and starts a commit now when now is set, else within
// asyncDelay.
func (w *writer) push(o op, now bool) error {
	w.mu.Lock()
	if w.closed {
		w.mu.Unlock()
		return errClosed
	}
	w.queue = append(w.queue, o)
	if !now {
		if w.timer == nil {
			w.timer = time.AfterFunc(w.delay, w.wake)
		}
		w.mu.Unlock()
		return nil
	}
	w.mu.Unlock()
	w.wake()
	return nil
}

// wake has the loop commit what is queued.
func (w *writer) wake() {
	select {
	case w.kick <- struct{}{}:
	default:
	}
}

func (w *writer) fail(err error) {
	w.mu.Lock()
	if w.asyncErr == nil {
		w.asyncErr = err
	}
	w.mu.Unlock()
}

// err returns the first failed write nobody waited for.
func (w *writer) err() error {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.asyncErr
}

func (w *writer) loop() {
	defer close(w.stopped)
	for {
		select {
		case <-w.kick:
			w.commit()
		case <-w.stop:
			w.commit() // what was queued before close
			return
		}
	}
}

// commit applies everything queued in one transaction. An op that fails
// fails alone (its writes are checked before they are made); a failed
// commit fails every op in it.
func (w *writer) commit() {
	w.mu.Lock()
	ops := w.queue
	w.queue = nil
	if w.timer != nil {
		w.timer.Stop() // what it was armed for commits now
		w.timer = nil
	}
	w.mu.Unlock()
	if len(ops) == 0 {
		return
	}
	errs := make([]error, len(ops))
	err := w.db.Update(func(tx *bolt.Tx) error {
		for i, o := range ops {
			errs[i] = o.fn(tx)
		}
		return nil
	})
	if err != nil {
		err = fmt.Errorf("committing to state store: %w", err)
	}
	w.mu.Lock()
	w.commits++
	w.mu.Unlock()
	for i, o := range ops {
		e := errs[i]
		if err != nil {
			e = err
		}
		if o.done != nil {
			o.done <- e
		} else if e != nil {
			w.fail(e)
		}
	}
}

// close commits what is queued and stops the writer.
func (w *writer) close() error {
	w.mu.Lock()
	if w.closed {
		w.mu.Unlock()
		return w.err()
	}
	w.closed = true
	w.mu.Unlock()
	close(w.stop)
	<-w.stopped
	return w.err()
}
