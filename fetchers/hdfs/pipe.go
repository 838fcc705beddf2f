package hdfsfetch

import (
	"io"
	"sync"
)

// asyncWriter passes writes to w on a goroutine of its own, so writing
// and hashing the destination overlap reading from the datanodes (the
// client verifies CRCs on the reading side). Writes are copied into a few
// pooled buffers; the first error of w is returned by a later Write or by
// Close.
type asyncWriter struct {
	w    io.Writer
	work chan []byte
	free chan []byte
	done chan struct{}

	mu  sync.Mutex
	err error
}

const (
	asyncBuffers = 4
	asyncBufSize = 1 << 20
)

func newAsyncWriter(w io.Writer) *asyncWriter {
	a := &asyncWriter{w: w, work: make(chan []byte, asyncBuffers), free: make(chan []byte, asyncBuffers), done: make(chan struct{})}
	for range asyncBuffers {
		a.free <- make([]byte, 0, asyncBufSize)
	}
	go a.run()
	return a
}

func (a *asyncWriter) run() {
	defer close(a.done)
	for b := range a.work {
		if a.failed() == nil {
			if _, err := a.w.Write(b); err != nil {
				a.mu.Lock()
				a.err = err
				a.mu.Unlock()
			}
		}
		a.free <- b[:0]
	}
}

func (a *asyncWriter) failed() error {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.err
}

// Write queues a copy of p.
func (a *asyncWriter) Write(p []byte) (int, error) {
	n := len(p)
	for len(p) > 0 {
		if err := a.failed(); err != nil {
			return n - len(p), err
		}
		b := <-a.free
		k := min(len(p), cap(b))
		a.work <- append(b, p[:k]...)
		p = p[k:]
	}
	return n, nil
}

// Close waits for the queued writes and returns the first error.
func (a *asyncWriter) Close() error {
	close(a.work)
	<-a.done
	return a.failed()
}
