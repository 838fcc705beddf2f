package archive

import (
	"errors"
	"io"
	"sync"
)

// Read-ahead: how many blocks of what size a decompressor may run ahead of
// the writer.
const (
	aheadBlocks    = 3
	aheadBlockSize = 1 << 20
)

// errAheadClosed is a read after Close.
var errAheadClosed = errors.New("archive: read after the read-ahead stopped")

// aheadReader reads its source (a decompressor) in a goroutine, up to
// aheadBlocks blocks ahead, so decompressing the next block overlaps with
// writing the last one, as `tar -xzf` overlaps gzip and tar. It passes on
// the source's bytes and then its error unchanged. It is not safe for
// concurrent use; Close stops and waits for the goroutine, and must be
// called before the source is closed.
type aheadReader struct {
	full chan block    // filled blocks; closed by fill when it returns
	free chan []byte   // emptied buffers, back to fill
	done chan struct{} // closed by Close to stop fill
	wg   sync.WaitGroup

	cur block // the block being read
	off int   // how much of cur.data has been read
}

// block is what one read of the source gave: data, then err if not nil.
type block struct {
	data []byte
	err  error
}

func newAheadReader(src io.Reader) *aheadReader {
	a := &aheadReader{full: make(chan block, aheadBlocks), free: make(chan []byte, aheadBlocks), done: make(chan struct{})}
	for range aheadBlocks {
		a.free <- make([]byte, aheadBlockSize)
	}
	a.wg.Add(1)
	go a.fill(src)
	return a
}

// fill reads src into free buffers and hands them on, until src fails or
// ends, or Close.
func (a *aheadReader) fill(src io.Reader) {
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

func (a *aheadReader) Read(p []byte) (int, error) {
	for a.off == len(a.cur.data) {
		if a.cur.err != nil {
			return 0, a.cur.err
		}
		if a.cur.data != nil {
			// At most aheadBlocks buffers exist: this never blocks.
			a.free <- a.cur.data[:cap(a.cur.data)]
		}
		b, ok := <-a.full
		if !ok {
			a.cur = block{err: errAheadClosed}
			return 0, a.cur.err
		}
		a.cur, a.off = b, 0
	}
	n := copy(p, a.cur.data[a.off:])
	a.off += n
	return n, nil
}

// Close stops the read-ahead and waits for it.
func (a *aheadReader) Close() {
	select {
	case <-a.done:
	default:
		close(a.done)
	}
	a.wg.Wait()
}
