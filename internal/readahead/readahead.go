// Package readahead reads a source on a goroutine of its own, a few blocks
// ahead of its consumer, so that producing the next bytes (decompressing
// them, receiving them from the network) overlaps consuming the last ones
// (writing, hashing), as `tar -xzf` overlaps gzip and tar.
package readahead

import (
	"errors"
	"io"
	"sync"
)

// ErrClosed is a read after Close.
var ErrClosed = errors.New("readahead: read after Close")

// Reader reads its source in a goroutine, up to a set number of blocks
// ahead. It passes on the source's bytes and then its error unchanged. It
// is not safe for concurrent use. Close stops and waits for the goroutine:
// call it before closing the source, and when the source may block in a
// Read, first unblock it (close the connection under it, say).
type Reader struct {
	full chan block    // filled blocks; closed by fill when it returns
	free chan []byte   // emptied buffers, back to fill
	done chan struct{} // closed by Close to stop fill
	wg   sync.WaitGroup

	cur block // the block being read
	off int   // how much of cur.data has been read
}

// block is what reads of the source gave: data, then err if not nil.
type block struct {
	data []byte
	err  error
}

// New starts reading src into blocks buffers of size bytes each; a block
// is handed on once full or when src fails or ends.
func New(src io.Reader, blocks, size int) *Reader {
	a := &Reader{full: make(chan block, blocks), free: make(chan []byte, blocks), done: make(chan struct{})}
	for range blocks {
		a.free <- make([]byte, size)
	}
	a.wg.Add(1)
	go a.fill(src)
	return a
}

// fill reads src into free buffers and hands them on, until src fails or
// ends, or Close.
func (a *Reader) fill(src io.Reader) {
	defer a.wg.Done()
	defer close(a.full)
	for {
		var buf []byte
		select {
		case buf = <-a.free:
		case <-a.done:
			return
		}
		n := 0
		var err error
		for n < len(buf) && err == nil {
			var k int
			k, err = src.Read(buf[n:])
			n += k
		}
		select {
		case a.full <- block{data: buf[:n], err: err}:
		case <-a.done:
			return
		}
		if err != nil {
			return
		}
	}
}

// Read reads the bytes read ahead, waiting for the next block when they
// are used up, then returns the source's error.
func (a *Reader) Read(p []byte) (int, error) {
	for a.off == len(a.cur.data) {
		if a.cur.err != nil {
			return 0, a.cur.err
		}
		if a.cur.data != nil {
			// No more buffers exist than free holds: this never blocks.
			a.free <- a.cur.data[:cap(a.cur.data)]
		}
		b, ok := <-a.full
		if !ok {
			a.cur = block{err: ErrClosed}
			return 0, a.cur.err
		}
		a.cur, a.off = b, 0
	}
	n := copy(p, a.cur.data[a.off:])
	a.off += n
	return n, nil
}

// Close stops the read-ahead and waits for it. Calling it again does
// nothing.
func (a *Reader) Close() {
	select {
	case <-a.done:
	default:
		close(a.done)
	}
	a.wg.Wait()
}
