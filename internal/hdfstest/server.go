package hdfstest

import (
	"net"
	"sync"
)

// srv is a TCP accept loop that owns its connections: close stops
// accepting, closes every open connection and waits for the handlers.
type srv struct {
	l      net.Listener
	mu     sync.Mutex
	conns  map[net.Conn]struct{}
	closed bool
	wg     sync.WaitGroup
}

// start serves l, calling handle in its own goroutine for each connection.
// The connection is closed when handle returns.
func (s *srv) start(l net.Listener, handle func(net.Conn)) {
	s.l = l
	s.conns = map[net.Conn]struct{}{}
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		for {
			conn, err := l.Accept()
			if err != nil {
				return
			}
			if !s.track(conn) {
				conn.Close()
				return
			}
			s.wg.Add(1)
			go func() {
				defer s.wg.Done()
				defer s.untrack(conn)
				handle(conn)
			}()
		}
	}()
}

func (s *srv) track(c net.Conn) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return false
	}
	s.conns[c] = struct{}{}
	return true
}

func (s *srv) untrack(c net.Conn) {
	c.Close()
	s.mu.Lock()
	delete(s.conns, c)
	s.mu.Unlock()
}

// addr is the listening address, host:port.
func (s *srv) addr() string { return s.l.Addr().String() }

// close stops the server and waits for every goroutine it started.
func (s *srv) close() {
	s.mu.Lock()
	s.closed = true
	for c := range s.conns {
		c.Close()
	}
	s.mu.Unlock()
	s.l.Close()
	s.wg.Wait()
}
