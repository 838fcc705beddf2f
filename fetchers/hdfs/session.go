package hdfsfetch

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os/user"
	"strings"
	"sync"
	"time"

	"github.com/batchd/batchd/plugins/sdk"
	"github.com/colinmarc/hdfs/v2"
	"github.com/colinmarc/hdfs/v2/hadoopconf"
	"github.com/jcmturner/gokrb5/v8/krberror"
)

// session is one fetch's client and the connections it dialled, which are
// closed when the fetch's context is cancelled: the client itself takes no
// context.
type session struct {
	ctx    context.Context
	cfg    Config
	target target
	client *hdfs.Client
	conns  *connSet
	stop   func() bool
	now    func() time.Time // see Fetcher
}

// open connects to the target's namenodes.
func open(ctx context.Context, cfg Config, conf hadoopconf.HadoopConf, t target) (*session, error) {
	s := &session{ctx: ctx, cfg: cfg, target: t, conns: &connSet{m: map[*trackedConn]struct{}{}}}
	dial := func(_ context.Context, network, addr string) (net.Conn, error) {
		d := net.Dialer{Timeout: cfg.ConnectTimeout, KeepAlive: 30 * time.Second}
		c, err := d.DialContext(ctx, network, addr)
		if err != nil {
			return nil, err
		}
		return s.conns.add(c, cfg.IdleTimeout)
	}
	opts := hdfs.ClientOptions{
		Addresses:           t.namenodes,
		NamenodeDialFunc:    dial,
		DatanodeDialFunc:    dial,
		UseDatanodeHostname: conf["dfs.client.use.datanode.hostname"] == "true",
	}
	if !cfg.kerberos() && strings.EqualFold(conf["hadoop.security.authentication"], "kerberos") {
		cfg.KerberosCCache = ccacheFromEnv()
	}
	if cfg.kerberos() {
		kc, err := cfg.kerberosClient()
		if err != nil {
			return nil, fmt.Errorf("%w: %w", sdk.ErrInvalidConfig, err)
		}
		if err := kc.Login(); err != nil {
			return nil, fmt.Errorf("kerberos login: %w", loginError(err))
		}
		spn := cfg.NamenodePrincipal
		if spn == "" {
			spn = conf["dfs.namenode.kerberos.principal"]
		}
		if spn == "" {
			return nil, fmt.Errorf("%w: kerberos: set namenode_principal or dfs.namenode.kerberos.principal", sdk.ErrInvalidConfig)
		}
		opts.KerberosClient, opts.KerberosServicePrincipleName = kc, strings.Split(spn, "@")[0]
	} else {
		opts.User = cfg.User
		if opts.User == "" {
			u, err := user.Current()
			if err != nil {
				return nil, fmt.Errorf("%w: finding the OS user: %w", sdk.ErrInvalidConfig, err)
			}
			opts.User = u.Username
		}
	}
	s.stop = context.AfterFunc(ctx, s.conns.closeAll)
	cl, err := hdfs.NewClient(opts)
	if err != nil {
		s.stop()
		s.conns.closeAll()
		if ctx.Err() != nil {
			return nil, fmt.Errorf("%w: connecting to namenode %s: %w", ctx.Err(), strings.Join(t.namenodes, ", "), err)
		}
		return nil, fmt.Errorf("%w: connecting to namenode %s: %w", sdk.ErrUnavailable, strings.Join(t.namenodes, ", "), err)
	}
	s.client = cl
	return s, nil
}

// loginError classifies a Kerberos login failure: a KDC that cannot be
// reached is sdk.ErrUnavailable, anything else (unknown principal, bad
// key, expired ticket) sdk.ErrPermission.
func loginError(err error) error {
	var ke krberror.Krberror
	if errors.As(err, &ke) && ke.RootCause == krberror.NetworkingError {
		return fmt.Errorf("%w: %w", sdk.ErrUnavailable, err)
	}
	return fmt.Errorf("%w: %w", sdk.ErrPermission, err)
}

// close ends the session's client and connections.
func (s *session) close() {
	s.stop()
	s.client.Close()
	s.conns.closeAll()
}

// exceptionOf returns the Java exception class of a namenode error, or "".
func exceptionOf(err error) string {
	var he hdfs.Error
	if errors.As(err, &he) {
		return he.Exception()
	}
	return ""
}

// connSet tracks open connections so a cancelled fetch can close them.
type connSet struct {
	mu     sync.Mutex
	m      map[*trackedConn]struct{}
	closed bool
}

func (s *connSet) add(c net.Conn, idle time.Duration) (net.Conn, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		c.Close()
		return nil, net.ErrClosed
	}
	tc := &trackedConn{Conn: c, set: s, idle: idle}
	s.m[tc] = struct{}{}
	return tc, nil
}

func (s *connSet) closeAll() {
	s.mu.Lock()
	s.closed = true
	conns := s.m
	s.m = map[*trackedConn]struct{}{}
	s.mu.Unlock()
	for c := range conns {
		c.Conn.Close()
	}
}

// trackedConn leaves its set when closed and bounds each read by the idle
// timeout, so a silent datanode fails over instead of hanging.
type trackedConn struct {
	net.Conn
	set  *connSet
	idle time.Duration
}

func (c *trackedConn) Read(b []byte) (int, error) {
	if c.idle > 0 {
		_ = c.Conn.SetReadDeadline(time.Now().Add(c.idle))
	}
	return c.Conn.Read(b)
}

// SetDeadline keeps the idle read bound: the client clears deadlines with
// a zero time after connecting.
func (c *trackedConn) SetDeadline(t time.Time) error { return c.Conn.SetWriteDeadline(t) }

func (c *trackedConn) Close() error {
	c.set.mu.Lock()
	delete(c.set.m, c)
	c.set.mu.Unlock()
	return c.Conn.Close()
}
