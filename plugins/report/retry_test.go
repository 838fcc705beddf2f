package report

import (
	"context"
	"crypto/x509"
	"errors"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
)

// TestPostServerComesUp posts to a collector that is down, as while batchd
// restarts: its port refuses connections until the third pause, when a
// collector starts listening on the same port.
func TestPostServerComesUp(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close() // nothing listens there now: connections are refused
	t.Setenv(EnvCollectorURL, "http://"+addr+"/v1/results/3.0")
	t.Setenv(EnvTaskToken, "tok-7")

	c := &collector{bodies: make(chan string, 1)}
	v := newVirtual()
	v.onPause = func(n int) {
		if n != 3 {
			return
		}
		ln, err := net.Listen("tcp", addr)
		if err != nil {
			t.Skipf("port %s taken by someone else meanwhile: %v", addr, err)
		}
		srv := &httptest.Server{Listener: ln, Config: &http.Server{Handler: c}}
		srv.Start()
		t.Cleanup(srv.Close)
	}
	if err := v.p.post(context.Background(), 6, "six"); err != nil {
		t.Fatalf("post: %v", err)
	}
	if got, want := c.posts.Load(), int32(1); got != want {
		t.Errorf("collector saw %d posts, want %d", got, want)
	}
	if got, want := len(v.pauses), 3; got != want {
		t.Errorf("%d pauses (%v), want %d", got, v.pauses, want)
	}
	if got, want := <-c.bodies, `{"output":6,"display":"six"}`; got != want {
		t.Errorf("body = %s, want %s", got, want)
	}
}

// TestPostConnectionsCut posts to a server that accepts connections and
// closes them unanswered, as a batchd killed mid-request does.
func TestPostConnectionsCut(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var accepted atomic.Int32
	done := make(chan struct{})
	go func() {
		defer close(done)
		for {
			conn, err := ln.Accept()
			if err != nil {
				return
			}
			accepted.Add(1)
			conn.Close()
		}
	}()
	t.Cleanup(func() { ln.Close(); <-done })
	t.Setenv(EnvCollectorURL, "http://"+ln.Addr().String()+"/r")
	t.Setenv(EnvTaskToken, "tok")
	t.Setenv(EnvReportDeadline, "10s")
	v := newVirtual()
	err = v.p.post(context.Background(), 1, "")
	if err == nil || !strings.Contains(err.Error(), "gave up after 6 posts") {
		t.Fatalf("post error = %v, want giving up after 6 posts", err)
	}
	// The transport may itself retry a request on a reused connection, so
	// count at least one connection per post.
	if got := accepted.Load(); got < 6 {
		t.Errorf("%d connections, want at least 6", got)
	}
}

// TestPostHungCollector checks that a collector that never answers cannot
// hold a post past the deadline.
func TestPostHungCollector(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		<-r.Context().Done() // no answer until the client gives up
	}))
	t.Cleanup(srv.Close)
	t.Setenv(EnvCollectorURL, srv.URL+"/v1/results/3.0")
	t.Setenv(EnvTaskToken, "tok")
	t.Setenv(EnvReportDeadline, "200ms")
	err := defaultPoster.post(context.Background(), 1, "")
	if !errors.Is(err, context.DeadlineExceeded) || !strings.Contains(err.Error(), "gave up after 1 post in ") ||
		!strings.Contains(err.Error(), "(deadline 200ms, from BATCHD_REPORT_DEADLINE)") {
		t.Fatalf("post error = %v, want giving up at the 200ms deadline", err)
	}
}

// TestPostUntrustedCertificate checks that a certificate the task does not
// trust fails the post at once: waiting will not fix it.
func TestPostUntrustedCertificate(t *testing.T) {
	c := &collector{}
	srv := httptest.NewUnstartedServer(c)
	srv.Config.ErrorLog = log.New(io.Discard, "", 0) // the handshake fails, as it should
	srv.StartTLS()
	t.Cleanup(srv.Close)
	t.Setenv(EnvCollectorURL, srv.URL+"/v1/results/3.0")
	t.Setenv(EnvTaskToken, "tok-7")
	v := newVirtual()
	err := v.p.post(context.Background(), 1, "")
	var unknown x509.UnknownAuthorityError
	if !errors.As(err, &unknown) || !strings.Contains(err.Error(), srv.URL+"/v1/results/3.0") {
		t.Fatalf("post error = %v, want an unknown-authority error naming the collector", err)
	}
	if len(v.pauses) != 0 {
		t.Errorf("pauses %v, want none", v.pauses)
	}
}

func TestTransient(t *testing.T) {
	tests := []struct {
		name string
		err  error
		want bool
	}{
		{"connection refused", &net.OpError{Op: "dial", Net: "tcp", Err: syscall.ECONNREFUSED}, true},
		{"connection reset", &net.OpError{Op: "read", Net: "tcp", Err: syscall.ECONNRESET}, true},
		{"cut short", io.ErrUnexpectedEOF, true},
		{"timeout", &net.DNSError{Err: "i/o timeout", IsTimeout: true}, true},
		{"name server failing", &net.DNSError{Err: "server misbehaving", IsTemporary: true}, true},
		{"unknown", errors.New("something else"), true},
		{"no such host", &net.DNSError{Err: "no such host", Name: "batchd.invalid", IsNotFound: true}, false},
		{"untrusted", x509.UnknownAuthorityError{}, false},
		{"wrong host", x509.HostnameError{Host: "batchd"}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := transient(tt.err); got != tt.want {
				t.Errorf("transient(%v) = %v, want %v", tt.err, got, tt.want)
			}
		})
	}
}

func TestRetryAfter(t *testing.T) {
	tests := []struct {
		value string
		want  time.Duration
	}{
		{"", 0},
		{"0", 0},
		{" 7 ", 7 * time.Second},
		{epoch.Add(90 * time.Second).Format(http.TimeFormat), 90 * time.Second},
		{epoch.Add(-time.Minute).Format(http.TimeFormat), 0},
		{"-3", 0},
		{"99999999999999", 0},
		{"soon", 0},
	}
	for _, tt := range tests {
		t.Run(tt.value, func(t *testing.T) {
			if got := retryAfter(tt.value, epoch); got != tt.want {
				t.Errorf("retryAfter(%q) = %v, want %v", tt.value, got, tt.want)
			}
		})
	}
}

func TestSpread(t *testing.T) {
	for _, d := range []time.Duration{0, 1, 3, 200 * time.Millisecond, 5 * time.Second} {
		for range 200 {
			if got := spread(d); got < d/2 || got > d {
				t.Fatalf("spread(%v) = %v, want within [%v, %v]", d, got, d/2, d)
			}
		}
	}
}
