package mesoscluster

import (
	"io"
	"net"
	"sync"
	"testing"
)

// freezeProxy forwards TCP connections to a backend. Freeze makes the
// connections open at that moment go silent (bytes from the backend are
// dropped, nothing is closed), as a master behind a dead network path would;
// later connections forward normally.
type freezeProxy struct {
	ln      net.Listener
	backend string

	mu     sync.Mutex
	frozen map[net.Conn]bool // client-side conns; true once frozen
	wg     sync.WaitGroup
}

func newFreezeProxy(t *testing.T, backend string) *freezeProxy {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &freezeProxy{ln: ln, backend: backend, frozen: make(map[net.Conn]bool)}
	p.wg.Add(1)
	go p.accept()
	t.Cleanup(p.close)
	return p
}

func (p *freezeProxy) addr() string { return p.ln.Addr().String() }

func (p *freezeProxy) accept() {
	defer p.wg.Done()
	for {
		c, err := p.ln.Accept()
		if err != nil {
			return
		}
		b, err := net.Dial("tcp", p.backend)
		if err != nil {
			c.Close()
			continue
		}
		p.mu.Lock()
		p.frozen[c] = false
		p.mu.Unlock()
		p.wg.Add(2)
		go func() { // client -> backend
			defer p.wg.Done()
			io.Copy(b, c)
			b.Close()
		}()
		go func() { // backend -> client, unless frozen
			defer p.wg.Done()
			defer c.Close()
			buf := make([]byte, 32<<10)
			for {
				n, err := b.Read(buf)
				p.mu.Lock()
				frozen := p.frozen[c]
				p.mu.Unlock()
				if n > 0 && !frozen {
					if _, werr := c.Write(buf[:n]); werr != nil {
						return
					}
				}
				if err != nil {
					return
				}
			}
		}()
	}
}

// freeze silences every connection open now.
func (p *freezeProxy) freeze() {
	p.mu.Lock()
	defer p.mu.Unlock()
	for c := range p.frozen {
		p.frozen[c] = true
	}
}

func (p *freezeProxy) close() {
	p.ln.Close()
	p.mu.Lock()
	for c := range p.frozen {
		c.Close()
	}
	p.mu.Unlock()
	p.wg.Wait()
}
