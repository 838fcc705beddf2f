package ftpfetch

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"net"
	"os"
	"sync"
	"time"

	"github.com/jlaffaye/ftp"
)

// deadlineConn sets a fresh deadline before every read and write, so a
// peer that stops answering fails the call after timeout while a long
// transfer that keeps moving never does. jlaffaye/ftp sets no deadlines.
type deadlineConn struct {
	net.Conn
	timeout time.Duration
}

func (c *deadlineConn) Read(p []byte) (int, error) {
	if err := c.Conn.SetReadDeadline(time.Now().Add(c.timeout)); err != nil {
		return 0, err
	}
	return c.Conn.Read(p)
}

func (c *deadlineConn) Write(p []byte) (int, error) {
	if err := c.Conn.SetWriteDeadline(time.Now().Add(c.timeout)); err != nil {
		return 0, err
	}
	return c.Conn.Write(p)
}

// session is one logged-in control connection and the data connections it
// opens. Cancelling the context it was dialled with closes them all, which
// unblocks any read or write in progress.
type session struct {
	sc *ftp.ServerConn

	mu      sync.Mutex
	conns   []net.Conn
	aborted bool
	stop    func() bool
}

// dialSession connects to t, upgrades to TLS for ftps and logs in.
//
// wrapData, when not nil, wraps each raw data connection (tests use it to
// cut one mid-transfer).
func dialSession(ctx context.Context, cfg Config, tlsBase *tls.Config, t target, wrapData func(net.Conn) net.Conn) (*session, error) {
	s := &session{}
	s.stop = context.AfterFunc(ctx, s.abort)
	var tlsConf *tls.Config
	if t.tls {
		tlsConf = tlsBase.Clone()
		tlsConf.ServerName = t.host
		// Data connections resume the control connection's TLS session,
		// which some servers require.
		tlsConf.ClientSessionCache = tls.NewLRUClientSessionCache(2)
	}
	dialer := net.Dialer{Timeout: cfg.Timeout}
	dials := 0
	dial := func(network, addr string) (net.Conn, error) {
		raw, err := dialer.DialContext(ctx, network, addr)
		if err != nil {
			return nil, err
		}
		if !s.track(raw) {
			return nil, fmt.Errorf("dialing %s: %w", addr, context.Cause(ctx))
		}
		var c net.Conn = &deadlineConn{Conn: raw, timeout: cfg.Timeout}
		dials++
		if dials > 1 && wrapData != nil {
			c = wrapData(c)
		}
		// The library wraps the control connection in TLS itself (AUTH
		// TLS); data connections it takes as they come, so they are
		// wrapped here when the session is protected (PROT P).
		if dials > 1 && tlsConf != nil {
			c = tls.Client(c, tlsConf)
		}
		return c, nil
	}
	opts := []ftp.DialOption{
		ftp.DialWithDialFunc(dial),
		ftp.DialWithDisabledEPSV(cfg.DisableEPSV),
		ftp.DialWithShutTimeout(cfg.Timeout),
	}
	if tlsConf != nil {
		opts = append(opts, ftp.DialWithExplicitTLS(tlsConf))
	}
	sc, err := ftp.Dial(t.addr, opts...)
	if err != nil {
		s.close()
		return nil, &stepError{step: "connecting", err: err}
	}
	s.sc = sc
	if err := sc.Login(t.user, t.password); err != nil {
		s.close()
		return nil, &stepError{step: "logging in", err: err}
	}
	return s, nil
}

// track records c so abort can close it; it refuses (closing c) once the
// session is aborted.
func (s *session) track(c net.Conn) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.aborted {
		c.Close()
		return false
	}
	s.conns = append(s.conns, c)
	return true
}

// abort closes every connection of the session at once.
func (s *session) abort() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.aborted = true
	for _, c := range s.conns {
		c.Close()
	}
}

// close says QUIT when it still can and releases everything.
func (s *session) close() {
	s.stop()
	s.mu.Lock()
	aborted := s.aborted
	s.mu.Unlock()
	if s.sc != nil && !aborted {
		_ = s.sc.Quit()
	}
	s.abort()
}

// tlsConfig builds the TLS settings for ftps from cfg.
func tlsConfig(cfg Config) (*tls.Config, error) {
	tc := &tls.Config{MinVersion: tls.VersionTLS12, InsecureSkipVerify: cfg.InsecureSkipVerify}
	if cfg.CAFile != "" {
		pool, err := x509.SystemCertPool()
		if err != nil {
			pool = x509.NewCertPool()
		}
		pem, err := os.ReadFile(cfg.CAFile)
		if err != nil {
			return nil, fmt.Errorf("ca_file: %w", err)
		}
		if !pool.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("ca_file: %s holds no PEM certificate", cfg.CAFile)
		}
		tc.RootCAs = pool
	}
	return tc, nil
}
