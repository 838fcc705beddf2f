package localcluster

import (
	"bufio"
	"io"
	"net"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/mesos/mesos-go/api/v1/lib/scheduler"
)

// timeoutConfig has timeouts short enough for a test: a slow client is cut
// after a fraction of a second.
func timeoutConfig() Config {
	return Config{
		ReadHeaderTimeout: 300 * time.Millisecond,
		ReadTimeout:       300 * time.Millisecond,
		WriteTimeout:      time.Second,
		IdleTimeout:       300 * time.Millisecond,
		HeartbeatInterval: 100 * time.Millisecond,
	}
}

// trickle writes head on a new connection to addr, then the bytes of rest
// one every 50 ms (rest is long enough to take many seconds), and returns
// what the server answered once it answers or closes the connection, and
// whether the client was still sending then.
func trickle(t *testing.T, addr, head, rest string) (answer string, cut bool) {
	t.Helper()
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if _, err := io.WriteString(conn, head); err != nil {
		t.Fatal(err)
	}
	var finished atomic.Bool
	stop := make(chan struct{})
	sent := make(chan struct{})
	go func() {
		defer close(sent)
		tick := time.NewTicker(50 * time.Millisecond)
		defer tick.Stop()
		for i := range len(rest) {
			select {
			case <-stop:
				return
			case <-tick.C:
			}
			if _, err := io.WriteString(conn, rest[i:i+1]); err != nil {
				return
			}
		}
		finished.Store(true)
	}()
	conn.SetReadDeadline(time.Now().Add(waitFor))
	b, err := io.ReadAll(conn)
	cut = !finished.Load()
	close(stop)
	<-sent
	if ne, ok := err.(net.Error); ok && ne.Timeout() {
		t.Fatalf("the server held a slow connection for %v", waitFor)
	}
	return string(b), cut
}

// TestSlowClientsCut checks that the master and the agents' files API cut
// a client that sends its request one byte at a time, and close
// connections left idle.
func TestSlowClientsCut(t *testing.T) {
	c := startCluster(t, timeoutConfig())
	master := strings.TrimPrefix(c.URL(), "http://")
	agent := c.state.agents[0].ln.Addr().String()
	slowBody := strings.Repeat(" ", 200) // 10 s at one byte per 50 ms
	tests := []struct {
		name       string
		addr       string
		head, rest string
		want       string // in the answer; "" for a closed connection
	}{
		{"master: headers one byte at a time", master,
			"POST /api/v1/scheduler HTTP/1.1\r\n", "Host: x\r\nContent-Type: application/json\r\n" + strings.Repeat("X-Slow: 1\r\n", 30), ""},
		{"master: body one byte at a time", master,
			"POST /api/v1/scheduler HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 200\r\n\r\n", slowBody,
			"400 Bad Request"},
		{"agent: headers one byte at a time", agent,
			"GET /files/browse?path=/ HTTP/1.1\r\n", "Host: x\r\n" + strings.Repeat("X-Slow: 1\r\n", 30), ""},
		{"agent: body one byte at a time", agent,
			"POST /files/browse?path=/ HTTP/1.1\r\nHost: x\r\nContent-Length: 200\r\n\r\n", slowBody, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			answer, cut := trickle(t, tt.addr, tt.head, tt.rest)
			if !cut {
				t.Errorf("the server waited for the whole slow request; answered %q", answer)
			}
			if tt.want != "" && !strings.Contains(answer, tt.want) {
				t.Errorf("answer %q, want it to contain %q", answer, tt.want)
			}
		})
	}

	for _, addr := range []string{master, agent} {
		t.Run("idle keep-alive connection closed: "+addr, func(t *testing.T) {
			conn, err := net.Dial("tcp", addr)
			if err != nil {
				t.Fatal(err)
			}
			defer conn.Close()
			io.WriteString(conn, "GET /files/browse?path=/nowhere HTTP/1.1\r\nHost: x\r\n\r\n")
			conn.SetReadDeadline(time.Now().Add(waitFor))
			br := bufio.NewReader(conn)
			resp, err := http.ReadResponse(br, nil)
			if err != nil {
				t.Fatal(err)
			}
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.Close {
				t.Fatalf("the server closed the connection after one request")
			}
			if _, err := br.ReadByte(); err != io.EOF {
				t.Errorf("idle connection: read %v, want EOF (closed by the server)", err)
			}
		})
	}
}

// TestSubscribeOutlivesTimeouts checks that a SUBSCRIBE's event stream is
// not cut by the read, write or idle timeouts: heartbeats keep arriving
// well past all of them.
func TestSubscribeOutlivesTimeouts(t *testing.T) {
	cfg := timeoutConfig()
	c := startCluster(t, cfg)
	f := subscribe(t, c, protobufCodec(), frameworkInfo("long"))
	start := time.Now()
	longest := max(cfg.ReadHeaderTimeout, cfg.ReadTimeout, cfg.WriteTimeout, cfg.IdleTimeout)
	for beats := 0; beats < 5 || time.Since(start) < 3*longest; beats++ {
		f.next(scheduler.Event_HEARTBEAT)
	}
	// And calls still work on the stream's framework.
	f.call(&scheduler.Call{FrameworkID: nil, Type: scheduler.Call_REVIVE})
}
