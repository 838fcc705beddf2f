package hdfsfetch

import (
	"hash"
	"io"
	"os"

	"github.com/batchd/batchd/plugins/sdk/writeback"
)

// asyncWriter writes the destination file as the bytes arrive and hashes
// them on a goroutine of its own, so hashing overlaps reading from the
// datanodes and writing the file. The reading side writes each piece to the
// file while it is still in the cache of the core that read it (and whose
// client checked its CRCs), as `hdfs get` does, and gathers the pieces in a
// few pooled buffers of asyncBufSize that the hashing goroutine takes whole:
// ReadFrom reads straight into them, Write copies into them (the tar stream
// of a directory). Every writeback.Every bytes it asks the kernel to start writing
// the file out, so the fsync that ends the fetch has little left to do and
// the disk works while the network does. Failures to write the file are
// returned as *writeError.
type asyncWriter struct {
	out     *os.File
	hash    hash.Hash
	work    chan []byte
	free    chan []byte
	done    chan struct{}
	cur     []byte // the buffer being filled
	written int64  // offset in out after the last write
	flushed int64  // offset up to which writeback was asked
}

const (
	asyncBuffers = 4
	asyncBufSize = 1 << 20
)

// newAsyncWriter writes to out, positioned at offset off, and to h, which
// must not be used before Close returns.
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

// run hashes the queued buffers until Close.
func (a *asyncWriter) run() {
	defer close(a.done)
	for b := range a.work {
		a.hash.Write(b)
		a.free <- b[:0]
	}
}

// buffer returns the buffer being filled, taking a free one if needed.
func (a *asyncWriter) buffer() []byte {
	if a.cur == nil {
		a.cur = <-a.free
	}
	return a.cur
}

// add writes the last n bytes of b, the buffer being filled, to the file
// and queues b for hashing when it is full. It returns how many of the n
// bytes were written; after a failed write b keeps only those.
func (a *asyncWriter) add(b []byte, n int) (int, error) {
	k, err := a.out.Write(b[len(b)-n:])
	a.cur = b[:len(b)-n+k]
	a.written += int64(k)
	if len(a.cur) == cap(a.cur) {
		a.work <- a.cur
		a.cur = nil
	}
	if err != nil {
		return k, &writeError{err}
	}
	if a.written-a.flushed >= writeback.Every {
		writeback.Start(a.out, a.flushed, a.written-a.flushed)
		a.flushed = a.written
	}
	return k, nil
}

// Write writes p to the file and queues it for hashing.
func (a *asyncWriter) Write(p []byte) (int, error) {
	n := len(p)
	for len(p) > 0 {
		b := a.buffer()
		k := min(len(p), cap(b)-len(b))
		if w, err := a.add(append(b, p[:k]...), k); err != nil {
			return n - len(p) + w, err
		}
		p = p[k:]
	}
	return n, nil
}

// ReadFrom reads r until io.EOF or an error, writing to the file and
// queueing for hashing each piece as it is read. It returns the bytes
// written; when a read fails after some bytes, they are written first.
func (a *asyncWriter) ReadFrom(r io.Reader) (int64, error) {
	var n int64
	for {
		b := a.buffer()
		k, rerr := r.Read(b[len(b):cap(b)])
		if k > 0 {
			w, err := a.add(b[:len(b)+k], k)
			n += int64(w)
			if err != nil {
				return n, err
			}
		}
		if rerr == io.EOF {
			return n, nil
		}
		if rerr != nil {
			return n, rerr
		}
	}
}

// Close hashes what is left and waits for the hashing goroutine.
func (a *asyncWriter) Close() {
	if len(a.cur) > 0 {
		a.work <- a.cur
		a.cur = nil
	}
	close(a.work)
	<-a.done
}
