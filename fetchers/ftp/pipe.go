package ftpfetch

import (
	"io"
	"sync"
)

// Buffers in flight between the network reader and the disk writer.
const (
	pipeBuffers = 4
	pipeBufSize = 256 << 10
)

// chunk is one read from the data connection.
type chunk struct {
	buf []byte
	n   int
	err error // io.EOF at the end
}

// pipe reads r on its own goroutine, so receiving overlaps hashing and
// writing. Next hands out chunks in order; Release gives a buffer back;
// Close stops the reader (the caller must first unblock a pending Read,
// for example by closing the connection) and waits for it.
type pipe struct {
	free   chan []byte
	filled chan chunk
	stop   chan struct{}
	wg     sync.WaitGroup
}

func newPipe(r io.Reader) *pipe {
	p := &pipe{
		free:   make(chan []byte, pipeBuffers),
		filled: make(chan chunk, pipeBuffers),
		stop:   make(chan struct{}),
	}
	for range pipeBuffers {
		p.free <- make([]byte, pipeBufSize)
	}
	p.wg.Add(1)
	go p.run(r)
	return p
}

func (p *pipe) run(r io.Reader) {
	defer p.wg.Done()
	for {
		var buf []byte
		select {
		case buf = <-p.free:
		case <-p.stop:
			return
		}
		n, err := r.Read(buf)
		select {
		case p.filled <- chunk{buf: buf, n: n, err: err}:
		case <-p.stop:
			return
		}
		if err != nil {
			return
		}
	}
}

// Next returns the next chunk; after one with an error there are no more.
func (p *pipe) Next() chunk { return <-p.filled }

// Release returns c's buffer for reuse.
func (p *pipe) Release(c chunk) { p.free <- c.buf }

// Close stops the reader goroutine and waits for it.
func (p *pipe) Close() {
	close(p.stop)
	p.wg.Wait()
}
