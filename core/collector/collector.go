// Package collector is the HTTP endpoint batchd's tasks post their results
// to.
//
// batchd registers each attempt of a task before launching it and gets back
// a bearer token to put in the attempt's environment. The token is an HMAC
// of the attempt's id under the collector's key, so a collector created
// later with the same key (a restarted batchd) accepts it again once the
// attempt is registered there. The attempt POSTs one JSON
// workload.TaskReport to /v1/results/<attempt id> with that token. The
// collector hands accepted results to its Committer in batches (group
// commit, commit.go) and answers 200 only once they are durable.
package collector

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// ErrClosed means the Collector has been closed.
var ErrClosed = errors.New("collector: closed")

// DefaultMaxBody is the default bound on a posted report's size.
const DefaultMaxBody = 1 << 20

// TokenKeySize is the size of a generated token key, and the least a given
// one may have.
const TokenKeySize = 32

// Committer makes results durable. The collector calls Commit from one
// goroutine with every result accepted since the previous call, in order,
// and answers those posts only after it returns: 200 on nil, 503 (with the
// error's text) otherwise.
type Committer interface {
	Commit(results []Result) error
}

// Options configures a Collector. Committer is required.
type Options struct {
	// Committer makes accepted results durable.
	Committer Committer
	// TokenKey signs the attempts' tokens. A collector given the key an
	// earlier one used accepts that one's tokens. Nil means a new random
	// key (see Collector.TokenKey); otherwise at least TokenKeySize bytes.
	TokenKey []byte
	// MaxBody bounds a report's size in bytes; larger posts get 413.
	// Zero means DefaultMaxBody.
	MaxBody int64
	// OnResult, when set, is called once per attempt when its result has
	// been committed, before the attempt gets its answer. It may be called
	// concurrently for different attempts and should return quickly.
	OnResult func(Result)
	// OnPost, when set, is called once per request to the Handler with its
	// outcome, one of the Post* constants (metrics). It must not block.
	OnPost func(outcome string)
	// Hold makes a post from an attempt that is not current get 503 with
	// Retry-After (not 409) until Release: a restarted batchd holds while
	// it registers the attempts its earlier run left running, so their
	// posts are not refused for good in the meantime.
	Hold bool
	// Logger receives warnings and refusals. Nil discards them. Tokens are
	// never logged.
	Logger *slog.Logger
}

// Result is one attempt's result, as accepted.
type Result struct {
	TaskID   string // the attempt's id
	Output   json.RawMessage
	Display  string
	Received time.Time
}

// Collector accepts task results posted over HTTP. Its methods are safe for
// concurrent use. The owner calls Close when done.
type Collector struct {
	key       []byte
	committer Committer
	maxBody   int64
	onResult  func(Result)
	onPost    func(outcome string)
	log       *slog.Logger

	held atomic.Bool // Options.Hold until Release

	mu       sync.Mutex
	current  map[string]*attempt // attempts that may post, by id
	closed   bool
	inflight sync.WaitGroup // posts waiting for their commit; Close waits for them

	// Group commit (commit.go).
	cur     *batch        // the batch accepted results join (c.mu)
	kick    chan struct{} // cap 1: the current batch has waiters
	stop    chan struct{} // closed by Close: the commit loop returns
	stopped chan struct{} // closed when the commit loop has returned
}

// attempt is a current attempt: one that may post its result.
type attempt struct {
	res *pending // nil until a result is accepted (again nil if its commit failed)
}

// pending is an accepted result, durable once its batch is done with err
// nil, unless it was found stale.
type pending struct {
	att    *attempt
	result Result
	batch  *batch
	stale  bool // its attempt was forgotten before the commit; set before batch.done is closed
}

// New returns a Collector committing results through opts.Committer.
func New(opts Options) (*Collector, error) {
	if opts.Committer == nil {
		return nil, errors.New("creating collector: Options.Committer is required")
	}
	key := opts.TokenKey
	switch {
	case key == nil:
		key = make([]byte, TokenKeySize)
		if _, err := rand.Read(key); err != nil {
			return nil, fmt.Errorf("creating collector: generating token key: %w", err)
		}
	case len(key) < TokenKeySize:
		return nil, fmt.Errorf("creating collector: Options.TokenKey has %d bytes, want at least %d", len(key), TokenKeySize)
	default:
		key = append([]byte(nil), key...)
	}
	c := &Collector{
		key:       key,
		committer: opts.Committer,
		maxBody:   opts.MaxBody,
		onResult:  opts.OnResult,
		onPost:    opts.OnPost,
		log:       opts.Logger,
		current:   make(map[string]*attempt),
		cur:       newBatch(),
		kick:      make(chan struct{}, 1),
		stop:      make(chan struct{}),
		stopped:   make(chan struct{}),
	}
	if c.maxBody <= 0 {
		c.maxBody = DefaultMaxBody
	}
	if c.log == nil {
		c.log = slog.New(slog.DiscardHandler)
	}
	go c.commitLoop()
	c.held.Store(opts.Hold)
	return c, nil
}

// Close stops accepting results and waits for the commits under way.
// Close is idempotent and always returns nil.
func (c *Collector) Close() error {
	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		return nil
	}
	c.closed = true
	c.mu.Unlock()
	c.inflight.Wait()
	close(c.stop)
	<-c.stopped
	return nil
}

// Release ends Options.Hold: from now on a post from an attempt that is
// not current gets 409.
func (c *Collector) Release() { c.held.Store(false) }

// TokenKey returns (a copy of) the key the tokens are signed with, for the
// owner to keep so that a later Collector accepts the same tokens.
func (c *Collector) TokenKey() []byte {
	return append([]byte(nil), c.key...)
}

// Register makes taskID a current attempt, one whose result is accepted,
// and returns its bearer token: hex(HMAC-SHA256(key, taskID)). It does no
// I/O. Registering a current attempt again changes nothing and returns the
// same token.
func (c *Collector) Register(taskID string) (string, error) {
	if taskID == "" {
		return "", errors.New("registering task: empty task id")
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		return "", fmt.Errorf("registering task %s: %w", taskID, ErrClosed)
	}
	if c.current[taskID] == nil {
		c.current[taskID] = &attempt{}
	}
	return hex.EncodeToString(c.mac(taskID)), nil
}

// Forget ends attempt taskID's right to post and drops what the Collector
// holds of it: its owner calls it when the attempt's task is settled, or
// when the attempt ends without success (killed, timed out, lost,
// superseded by a new attempt). A later post with the attempt's token is
// refused with 409, and so is a post still waiting for its commit to begin;
// a result whose commit has begun is kept.
func (c *Collector) Forget(taskID string) {
	c.mu.Lock()
	delete(c.current, taskID)
	c.mu.Unlock()
}

// URL returns the full URL a task posts its result to, given the
// collector's advertised base URL (for example "http://10.0.0.5:8080").
func (c *Collector) URL(base string, taskID string) string {
	return strings.TrimRight(base, "/") + resultsPrefix + url.PathEscape(taskID)
}

// mac is the HMAC-SHA256 of taskID under the collector's key.
func (c *Collector) mac(taskID string) []byte {
	h := hmac.New(sha256.New, c.key)
	h.Write([]byte(taskID))
	return h.Sum(nil)
}

// validToken reports, in constant time, whether token is taskID's.
func (c *Collector) validToken(taskID, token string) bool {
	got, err := hex.DecodeString(token)
	return err == nil && hmac.Equal(got, c.mac(taskID))
}
