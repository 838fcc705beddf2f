package hdfsfetch

import (
	"hash"
	"io"
	"os"
	"sync"
)

// asyncWriter writes the destination file and its hash on a goroutine of
// its own, so writing and hashing overlap reading from the datanodes (the
// client verifies the packets' CRCs on the reading side). The reading side
// fills a few pooled buffers of asyncBufSize and hands each over whole:
// ReadFrom reads straight into them (no copy), Write copies into them (the
// tar stream of a directory). Every writebackBytes the writer asks the
// kernel to start writing the file out, so the fsync that ends the fetch
// has little left to do and the disk works while the network does. The
// first error of the file is returned by a later Write or ReadFrom (as a
// *writeError) or by Close.
type asyncWriter struct {
	out  *os.File
	hash hash.Hash
	work chan []byte
	free chan []byte
	done chan struct{}
	cur  []byte // the buffer being filled, owned by the reading side

	// The writer goroutine's own state.
	written int64 // offset in out after the last write
	flushed int64 // offset up to which writeback was asked

	mu  sync.Mutex
	err error
}

const (
	asyncBuffers   = 4
	asyncBufSize   = 1 << 20
	writebackBytes = 16 << 20
	writePiece     = 128 << 10
)

// newAsyncWriter writes to out, positioned at offset off, and to h.
func newAsyncWriter(out *os.File, h hash.Hash, off int64) *asyncWriter {
	a := &asyncWriter{
		out: out, hash: h, written: off, flushed: off,
		work: make(chan []byte, asyncBuffers), free: make(chan []byte, asyncBuffers), done: make(chan struct{}),
	}
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
			a.write(b)
		}
		a.free <- b[:0]
	}
}

// write puts b in the file and the hash.
func (a *asyncWriter) write(b []byte) {
	for p := b; len(p) > 0; {
		k := min(len(p), writePiece)
		a.hash.Write(p[:k])
		if _, err := a.out.Write(p[:k]); err != nil {
			a.mu.Lock()
			a.err = err
			a.mu.Unlock()
			return
		}
		p = p[k:]
	}
	a.written += int64(len(b))
	if a.written-a.flushed >= writebackBytes {
		startWriteback(a.out, a.flushed, a.written-a.flushed)
		a.flushed = a.written
	}
}

func (a *asyncWriter) failed() error {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.err
}

// buffer returns the buffer being filled, taking a free one if needed, or
// the writer's error.
func (a *asyncWriter) buffer() ([]byte, error) {
	if err := a.failed(); err != nil {
		return nil, &writeError{err}
	}
	if a.cur == nil {
		a.cur = <-a.free
	}
	return a.cur, nil
}

// filled records that the buffer being filled now holds b and queues it
// when it is full.
func (a *asyncWriter) filled(b []byte) {
	a.cur = b
	if len(b) == cap(b) {
		a.work <- b
		a.cur = nil
	}
}

// Write queues a copy of p.
func (a *asyncWriter) Write(p []byte) (int, error) {
	n := len(p)
	for len(p) > 0 {
		b, err := a.buffer()
		if err != nil {
			return n - len(p), err
		}
		k := min(len(p), cap(b)-len(b))
		a.filled(append(b, p[:k]...))
		p = p[k:]
	}
	return n, nil
}

// ReadFrom reads r into the buffers until io.EOF or an error and queues
// what it read. It returns the bytes read; they are queued even when an
// error follows them.
func (a *asyncWriter) ReadFrom(r io.Reader) (int64, error) {
	var n int64
	for {
		b, err := a.buffer()
		if err != nil {
			return n, err
		}
		k, rerr := r.Read(b[len(b):cap(b)])
		n += int64(k)
		a.filled(b[:len(b)+k])
		if rerr == io.EOF {
			return n, nil
		}
		if rerr != nil {
			return n, rerr
		}
	}
}

// Close queues what is left, waits for the writes and returns the first
// error.
func (a *asyncWriter) Close() error {
	if len(a.cur) > 0 {
		a.work <- a.cur
		a.cur = nil
	}
	close(a.work)
	<-a.done
	return a.failed()
}
