// Package localcluster is an embedded single-machine Mesos look-alike: a
// master serving the Mesos v1 scheduler HTTP API at /api/v1/scheduler
// (RecordIO event streams, protobuf and JSON) and N agents that run command
// tasks as subprocesses in per-task sandboxes, fetching their URIs with the
// Mesos fetcher's semantics. Any Mesos framework, batchd or not, can be
// pointed at it. It imports nothing of batchd.
package localcluster

import (
	"context"
	"crypto/x509"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"runtime"
	"sync"
	"time"

	mesos "github.com/mesos/mesos-go/api/v1/lib"
)

// Config configures a Cluster. Zero values take the defaults noted.
type Config struct {
	// Listen is the master's address; "127.0.0.1:0" by default.
	Listen string
	// Agents is the number of agents; 1 by default.
	Agents int
	// CPUs, MemMB and DiskMB are each agent's resources; defaults are the
	// machine's CPU count, 1024 MB and 10240 MB.
	CPUs, MemMB, DiskMB float64
	// WorkDir holds the sandboxes and fetch caches; a temporary folder
	// (removed by Close) by default.
	WorkDir string
	// FetchCacheBytes bounds each agent's fetch cache; 1 GiB by default.
	FetchCacheBytes int64
	// HeartbeatInterval is the HEARTBEAT period; 15 s by default.
	HeartbeatInterval time.Duration
	// OfferInterval is the period of the allocation round that backs up
	// the event-driven ones; 1 s by default. Resources are offered
	// OfferDelay after they are freed (a task ended, an offer was declined,
	// rescinded or left partly unused, a framework revived or subscribed),
	// and as soon as a refuse filter expires.
	OfferInterval time.Duration
	// OfferDelay gathers the events that free resources into one
	// allocation round, so that a burst of task endings makes one offer per
	// agent; 2 ms by default.
	OfferDelay time.Duration
	// OfferTimeout rescinds offers held longer; 0 (never) by default.
	OfferTimeout time.Duration
	// UpdateRetryInterval is the first resend delay of an unacknowledged
	// status update, doubling up to 10 minutes; 10 s by default.
	UpdateRetryInterval time.Duration
	// KillGracePeriod is the time between SIGTERM and SIGKILL when neither
	// the KILL call nor the task has a kill policy; 3 s by default.
	KillGracePeriod time.Duration
	// RemoveFinishedSandboxes removes a task's sandbox once it has finished
	// with status 0 and its resources are offered again (Mesos keeps sandboxes for
	// --gc_delay, a week by default). Sandboxes of tasks that failed or were
	// killed are kept for inspection. batchd sets it: a large job would
	// otherwise leave a copy of every fetched file per task on disk.
	RemoveFinishedSandboxes bool
	// Attributes are the agents' attributes, one string per agent in the
	// syntax of the Mesos agent's --attributes flag ("rack:a;zone:2"; see
	// ParseAttributes); agents beyond the list have none.
	Attributes []string
	// Credentials, principal to secret, make the master require HTTP basic
	// authentication on the scheduler API and the agents on their files
	// API, as Mesos with --credentials and --authenticate_http_frameworks
	// (auth.go; LoadCredentials reads Mesos's file). None by default.
	Credentials map[string]string
	// FetchRootCAs, when set, are the certificate authorities the agents
	// trust when they fetch https URIs, in place of the system's roots
	// (e.g. the system pool plus a framework's own CA: see
	// x509.SystemCertPool). Nil trusts the system's roots.
	FetchRootCAs *x509.CertPool
	// ReadHeaderTimeout bounds reading a request's headers, on the master
	// and the agents; 10 s by default.
	ReadHeaderTimeout time.Duration
	// ReadTimeout bounds reading a request's body (a call to the master, a
	// request to an agent's files API); 30 s by default. A SUBSCRIBE's
	// event stream, which lasts as long as the framework, is not bounded.
	ReadTimeout time.Duration
	// WriteTimeout bounds writing a reply, except the event stream a
	// SUBSCRIBE is answered with; 30 s by default.
	WriteTimeout time.Duration
	// IdleTimeout closes a kept-alive connection with no request for so
	// long; 2 minutes by default.
	IdleTimeout time.Duration
	// Logger receives the cluster's logs; none by default.
	Logger *slog.Logger
}

func (cfg Config) withDefaults() Config {
	if cfg.Listen == "" {
		cfg.Listen = "127.0.0.1:0"
	}
	if cfg.Agents <= 0 {
		cfg.Agents = 1
	}
	if cfg.CPUs <= 0 {
		cfg.CPUs = float64(runtime.NumCPU())
	}
	if cfg.MemMB <= 0 {
		cfg.MemMB = 1024
	}
	if cfg.DiskMB <= 0 {
		cfg.DiskMB = 10240
	}
	if cfg.FetchCacheBytes <= 0 {
		cfg.FetchCacheBytes = 1 << 30
	}
	if cfg.HeartbeatInterval <= 0 {
		cfg.HeartbeatInterval = 15 * time.Second
	}
	if cfg.OfferInterval <= 0 {
		cfg.OfferInterval = time.Second
	}
	if cfg.OfferDelay <= 0 {
		cfg.OfferDelay = 2 * time.Millisecond
	}
	if cfg.UpdateRetryInterval <= 0 {
		cfg.UpdateRetryInterval = 10 * time.Second
	}
	if cfg.KillGracePeriod <= 0 {
		cfg.KillGracePeriod = 3 * time.Second
	}
	if cfg.ReadHeaderTimeout <= 0 {
		cfg.ReadHeaderTimeout = 10 * time.Second
	}
	if cfg.ReadTimeout <= 0 {
		cfg.ReadTimeout = 30 * time.Second
	}
	if cfg.WriteTimeout <= 0 {
		cfg.WriteTimeout = 30 * time.Second
	}
	if cfg.IdleTimeout <= 0 {
		cfg.IdleTimeout = 2 * time.Minute
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	return cfg
}

// Cluster is one master and its agents. Start it, point frameworks at URL,
// and Close it to kill every task and stop.
type Cluster struct {
	cfg    Config
	log    *slog.Logger
	tmpDir string // WorkDir created by Start, removed by Close

	ln     net.Listener
	srv    *http.Server
	ctx    context.Context
	cancel context.CancelFunc
	wg     sync.WaitGroup // every goroutine the cluster starts

	kick chan struct{} // wakes the allocator; see wake

	mu    sync.Mutex // guards the master state below
	state master
	ended terminalCounts // tasks that reached each terminal state (snapshot.go)
}

// New returns a Cluster that is not yet listening.
func New(cfg Config) *Cluster {
	cfg = cfg.withDefaults()
	return &Cluster{cfg: cfg, log: cfg.Logger, kick: make(chan struct{}, 1)}
}

// Start listens, creates the agents and starts serving. It returns once the
// master accepts connections; ctx bounds only the start itself.
func (c *Cluster) Start(ctx context.Context) error {
	attrs := make([][]mesos.Attribute, len(c.cfg.Attributes))
	for i, spec := range c.cfg.Attributes {
		a, err := ParseAttributes(spec)
		if err != nil {
			return fmt.Errorf("local cluster: agent %d: %w", i, err)
		}
		attrs[i] = a
	}
	if c.WorkDir() == "" {
		dir, err := os.MkdirTemp("", "localcluster-")
		if err != nil {
			return fmt.Errorf("creating local cluster work folder: %w", err)
		}
		c.tmpDir, c.cfg.WorkDir = dir, dir
	}
	var lc net.ListenConfig
	ln, err := lc.Listen(ctx, "tcp", c.cfg.Listen)
	if err != nil {
		if c.tmpDir != "" {
			os.RemoveAll(c.tmpDir)
		}
		return fmt.Errorf("local cluster listening on %s: %w", c.cfg.Listen, err)
	}
	c.ln = ln
	c.state.init(c.cfg, advertisedHost(ln.Addr()), attrs)
	if err := c.listenAgents(ctx); err != nil {
		ln.Close()
		if c.tmpDir != "" {
			os.RemoveAll(c.tmpDir)
		}
		return err
	}
	c.ctx, c.cancel = context.WithCancel(context.Background())

	mux := http.NewServeMux()
	mux.Handle("/api/v1/scheduler", requireAuth(c.cfg.Credentials, realmScheduler, http.HandlerFunc(c.serveScheduler)))
	c.serveReadEndpoints(mux)
	mux.Handle("/metrics/snapshot", c.snapshotHandler())
	// No ReadTimeout or WriteTimeout here: they would cut SUBSCRIBE's event
	// stream. serveScheduler bounds each call's body and reply instead.
	c.srv = &http.Server{Handler: mux, ReadHeaderTimeout: c.cfg.ReadHeaderTimeout, IdleTimeout: c.cfg.IdleTimeout}
	c.wg.Add(3)
	go func() {
		defer c.wg.Done()
		if err := c.srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			c.log.Error("local cluster master stopped serving", "err", err)
		}
	}()
	go c.allocateLoop()
	go c.retryLoop()
	for _, a := range c.state.agents {
		c.wg.Add(1)
		go func() {
			defer c.wg.Done()
			if err := a.srv.Serve(a.ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
				c.log.Error("local cluster agent stopped serving", "agent", a.id, "err", err)
			}
		}()
	}
	c.log.Info("local Mesos cluster started", "url", c.URL(), "agents", c.cfg.Agents, "workdir", c.cfg.WorkDir)
	return nil
}

// listenAgents gives each agent its own HTTP address, on the master's
// host, as each Mesos agent has one: offers carry it in their url, and the
// agent serves its files API there (files.go).
func (c *Cluster) listenAgents(ctx context.Context) error {
	host, _, _ := net.SplitHostPort(c.ln.Addr().String())
	var lc net.ListenConfig
	for i, a := range c.state.agents {
		ln, err := lc.Listen(ctx, "tcp", net.JoinHostPort(host, "0"))
		if err != nil {
			for _, b := range c.state.agents[:i] {
				b.ln.Close()
			}
			return fmt.Errorf("local cluster agent %s listening on %s: %w", a.id, host, err)
		}
		a.ln = ln
		a.srv = &http.Server{Handler: requireAuth(c.cfg.Credentials, realmReadonly, a.serveFiles()), ReadHeaderTimeout: c.cfg.ReadHeaderTimeout,
			ReadTimeout: c.cfg.ReadTimeout, WriteTimeout: c.cfg.WriteTimeout, IdleTimeout: c.cfg.IdleTimeout}
	}
	return nil
}

// advertisedHost is the host name offers carry: the listen address, or
// this machine's name when listening on every interface.
func advertisedHost(addr net.Addr) string {
	host, _, _ := net.SplitHostPort(addr.String())
	if ip := net.ParseIP(host); ip == nil || !ip.IsUnspecified() {
		return host
	}
	if name, err := os.Hostname(); err == nil {
		return name
	}
	return "localhost"
}

// WorkDir is the folder holding the agents' sandboxes and caches.
func (c *Cluster) WorkDir() string { return c.cfg.WorkDir }

// URL is the master's base URL, e.g. http://127.0.0.1:5050.
func (c *Cluster) URL() string {
	if c.ln == nil {
		return ""
	}
	return "http://" + c.ln.Addr().String()
}

// Close kills every task process, closes the event streams and waits for
// all of the cluster's goroutines to end and for the removal of finished
// tasks' sandboxes.
func (c *Cluster) Close() error {
	if c.cancel == nil {
		return nil
	}
	c.cancel()
	c.mu.Lock()
	c.state.closed = true
	for _, fw := range c.state.frameworks {
		if fw.failover != nil {
			fw.failover.Stop()
		}
		if fw.stream != nil {
			fw.stream.close()
		}
	}
	c.mu.Unlock()
	shut, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	err := c.srv.Shutdown(shut)
	if err != nil {
		err = c.srv.Close()
	}
	for _, a := range c.state.agents {
		if a.srv.Shutdown(shut) != nil {
			a.srv.Close()
		}
	}
	c.wg.Wait()
	for _, a := range c.state.agents {
		a.dropSpares()
	}
	if c.tmpDir != "" {
		if rerr := os.RemoveAll(c.tmpDir); rerr != nil && err == nil {
			err = rerr
		}
	}
	if err != nil {
		return fmt.Errorf("closing local cluster: %w", err)
	}
	return nil
}

// Run starts a cluster with cfg and serves until ctx is cancelled (e.g. by a
// signal), then closes it. It is what `batchd local-cluster` calls.
func Run(ctx context.Context, cfg Config) error {
	c := New(cfg)
	if err := c.Start(ctx); err != nil {
		return err
	}
	c.log.Info("serving the Mesos v1 scheduler API", "endpoint", c.URL()+"/api/v1/scheduler")
	<-ctx.Done()
	return c.Close()
}
