// Package mesoscluster is batchd's Apache Mesos engine: a core.Cluster that
// speaks the Mesos v1 HTTP scheduler API through mesos-go's httpsched client,
// watches the master's heartbeats and re-subscribes with backoff.
package mesoscluster

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"os/user"
	"strings"
	"sync"
	"time"

	mesos "github.com/mesos/mesos-go/api/v1/lib"
	"github.com/mesos/mesos-go/api/v1/lib/encoding/codecs"
	"github.com/mesos/mesos-go/api/v1/lib/httpcli"
	"github.com/mesos/mesos-go/api/v1/lib/httpcli/httpsched"
	"github.com/mesos/mesos-go/api/v1/lib/scheduler"
	"github.com/mesos/mesos-go/api/v1/lib/scheduler/calls"

	"github.com/batchd/batchd/core"
)

// Config says which master to use and how to register with it.
type Config struct {
	Master        string // http://host:5050
	FrameworkName string
	Role          string // "" means "*"
	Principal     string
	Secret        string // already read from the secret file; sent with HTTP basic auth
	User          string // user tasks run as; "" means the current user
	// FailoverTimeout is how long the master keeps the framework's tasks
	// running after the scheduler disconnects.
	FailoverTimeout time.Duration
	Hostname        string
	Codec           string // "protobuf" (default) or "json"
	// ConnectTimeout is how long Run keeps trying a master it has never
	// reached before it fails (default 30s). After a first subscription Run
	// reconnects until its context ends.
	ConnectTimeout time.Duration
	// HeartbeatTimeout, when > 0, is how long the event stream may stay
	// silent after SUBSCRIBED before the connection counts as dead; 0 derives
	// it from the master's heartbeat interval (3 intervals + 5 s).
	HeartbeatTimeout time.Duration
	// LaunchRefuse is the refuse filter sent with ACCEPT for the offer's
	// unused resources. The default, 0, offers them again at the next
	// allocation: a scheduler that launched something usually has more to
	// launch, and an idle one declines (with its own filter) and suppresses.
	// Mesos' own default of 5 s would throttle a large job to one wave of
	// launches per agent every 5 s.
	LaunchRefuse time.Duration
	Logger       *slog.Logger
}

// Cluster is a core.Cluster backed by an Apache Mesos master.
type Cluster struct {
	cfg      Config
	endpoint string
	caller   calls.Caller
	// transport is the HTTP transport under caller; Run closes its idle
	// connections when it returns.
	transport *http.Transport
	log       *slog.Logger

	// Timing knobs, shortened by tests.
	minBackoff, maxBackoff time.Duration
	hbSlack                time.Duration // added to 3 x heartbeat interval
	firstEventTimeout      time.Duration // silence allowed before SUBSCRIBED

	mu          sync.Mutex
	frameworkID string
	connected   bool
	tornDown    bool
	stopSession context.CancelFunc
	pools       map[string]*resourcePool // by offer id
	agents      map[string]string        // agent id -> base URL of its HTTP API, from its offers
	files       *http.Client             // reads sandbox files from agents (sandbox.go)
}

var _ core.Cluster = (*Cluster)(nil)

// New returns a Cluster for cfg; nothing is contacted until Run.
func New(cfg Config) *Cluster {
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.ConnectTimeout <= 0 {
		cfg.ConnectTimeout = 30 * time.Second
	}
	if cfg.LaunchRefuse < 0 {
		cfg.LaunchRefuse = 0
	}
	if cfg.FrameworkName == "" {
		cfg.FrameworkName = "batchd"
	}
	if cfg.User == "" {
		if u, err := user.Current(); err == nil {
			cfg.User = u.Username
		} else {
			cfg.User = "root"
		}
	}
	master := strings.TrimRight(cfg.Master, "/")
	if !strings.Contains(master, "://") {
		master = "http://" + master
	}
	cfg.Master = master
	c := &Cluster{
		cfg:               cfg,
		endpoint:          master + "/api/v1/scheduler",
		log:               cfg.Logger,
		minBackoff:        500 * time.Millisecond,
		maxBackoff:        15 * time.Second,
		hbSlack:           5 * time.Second,
		firstEventTimeout: 30 * time.Second,
		pools:             make(map[string]*resourcePool),
		agents:            make(map[string]string),
		files:             &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 2, IdleConnTimeout: 30 * time.Second}},
	}
	c.caller = httpsched.NewCaller(c.httpClient(),
		// Report an unreachable master to Run at once; Run does the backoff.
		httpsched.EndpointCandidates(func() string { return "" }),
		httpsched.AllowReconnection(true),
	)
	return c
}

func (c *Cluster) httpClient() *httpcli.Client {
	codec := codecs.ByMediaType[codecs.MediaTypeProtobuf]
	if strings.EqualFold(c.cfg.Codec, codecs.NameJSON) {
		codec = codecs.ByMediaType[codecs.MediaTypeJSON]
	}
	opts := []httpcli.ConfigOpt{
		httpcli.Timeout(10 * time.Second),
		httpcli.Transport(func(t *http.Transport) {
			// Every call in flight at once keeps its connection: the
			// acknowledgement workers and the scheduler's own calls. With
			// Go's default of 2, each call beyond that opened a new TCP
			// connection and closed it after (one per task at 20 tasks in
			// flight), costing both sides a connect, an accept and a
			// goroutine each time.
			t.MaxIdleConnsPerHost = ackWorkers + 4
			t.IdleConnTimeout = 90 * time.Second
			c.transport = t
		}),
	}
	if c.cfg.Secret != "" {
		opts = append(opts, httpcli.BasicAuth(c.cfg.Principal, c.cfg.Secret))
	}
	return httpcli.New(
		httpcli.Endpoint(c.endpoint),
		httpcli.Codec(codec),
		httpcli.Do(httpcli.With(opts...)),
	)
}

// FrameworkID is the id the master assigned, or "" before the first subscription.
func (c *Cluster) FrameworkID() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.frameworkID
}

// SetFrameworkID makes the next SUBSCRIBE re-register as id (a framework
// restarted from its state store). Call it before Run.
func (c *Cluster) SetFrameworkID(id string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.frameworkID = id
}

// call sends a non-SUBSCRIBE call for the subscribed framework.
func (c *Cluster) call(ctx context.Context, call *scheduler.Call) error {
	c.mu.Lock()
	fid, ok := c.frameworkID, c.connected
	if c.tornDown && call.Type != scheduler.Call_TEARDOWN {
		ok = false // the master has forgotten the framework: nothing to reach
	}
	c.mu.Unlock()
	if !ok {
		return core.ErrNotConnected
	}
	call.FrameworkID = &mesos.FrameworkID{Value: fid}
	if err := calls.CallNoData(ctx, c.caller, call); err != nil {
		return fmt.Errorf("sending %s to mesos master %s: %w", call.Type, c.cfg.Master, err)
	}
	return nil
}

// Launch accepts offerID with one LAUNCH operation holding tasks.
func (c *Cluster) Launch(ctx context.Context, offerID string, tasks []core.Launch) error {
	c.mu.Lock()
	pool := c.pools[offerID]
	delete(c.pools, offerID)
	c.mu.Unlock()
	if pool == nil {
		pool = &resourcePool{role: c.role()}
	}
	infos := make([]mesos.TaskInfo, 0, len(tasks))
	for _, t := range tasks {
		infos = append(infos, taskInfo(t, pool))
	}
	call := calls.Accept(calls.OfferOperations{calls.OpLaunch(infos...)}.WithOffers(mesos.OfferID{Value: offerID})).
		With(calls.RefuseSeconds(c.cfg.LaunchRefuse))
	return c.call(ctx, call)
}

// Decline returns offers unused with a refuse filter.
func (c *Cluster) Decline(ctx context.Context, offerIDs []string, refuse time.Duration) error {
	ids := make([]mesos.OfferID, 0, len(offerIDs))
	c.mu.Lock()
	for _, id := range offerIDs {
		delete(c.pools, id)
		ids = append(ids, mesos.OfferID{Value: id})
	}
	c.mu.Unlock()
	return c.call(ctx, calls.Decline(ids...).With(calls.RefuseSeconds(refuse)))
}

// Kill asks the master to kill a task.
func (c *Cluster) Kill(ctx context.Context, taskID, agentID string) error {
	return c.call(ctx, calls.Kill(taskID, agentID))
}

// Reconcile asks for the state of tasks: explicit when given, implicit (all) when empty.
func (c *Cluster) Reconcile(ctx context.Context, tasks []core.TaskRef) error {
	m := make(map[string]string, len(tasks))
	for _, t := range tasks {
		m[t.TaskID] = t.AgentID
	}
	return c.call(ctx, calls.Reconcile(calls.ReconcileTasks(m)))
}

// Suppress asks the master to stop sending offers.
func (c *Cluster) Suppress(ctx context.Context) error {
	return c.call(ctx, calls.SuppressWith([]string{c.role()}))
}

// Revive asks the master for offers again, clearing refuse filters.
func (c *Cluster) Revive(ctx context.Context) error {
	return c.call(ctx, calls.ReviveWith([]string{c.role()}))
}

// Teardown ends the framework; Run returns nil afterwards.
func (c *Cluster) Teardown(ctx context.Context) error {
	// Mark first: the master may end the stream before the call returns,
	// and Run must not take that for a lost connection.
	c.mu.Lock()
	c.tornDown = true
	c.mu.Unlock()
	if err := c.call(ctx, &scheduler.Call{Type: scheduler.Call_TEARDOWN}); err != nil {
		c.mu.Lock()
		c.tornDown = false
		c.mu.Unlock()
		return err
	}
	c.mu.Lock()
	if c.stopSession != nil {
		c.stopSession()
	}
	c.mu.Unlock()
	return nil
}

func (c *Cluster) role() string {
	if c.cfg.Role == "" {
		return "*"
	}
	return c.cfg.Role
}
