// Package collector is the HTTP endpoint batchd's tasks post their results
// to, and the durable log those results are kept in.
//
// batchd registers each task before launching it and gets back a bearer
// token to put in the task's environment. The task POSTs one JSON
// workload.TaskReport to /v1/results/<taskID> with that token. A result is
// appended to a JSON-lines log and fsync'd before the task gets its 200, and
// a restarted Collector reloads the log, so no acknowledged result is lost.
// Concurrent posts share fsyncs (group commit, commit.go).
package collector

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"os"
	"sort"
	"strings"
	"sync"
	"time"
)

// Sentinel errors, compared with errors.Is.
var (
	// ErrDuplicate means Register was called twice for one task id.
	ErrDuplicate = errors.New("collector: task already registered")
	// ErrClosed means the Collector has been closed.
	ErrClosed = errors.New("collector: closed")
	// ErrBroken means an earlier write or fsync of the log failed; the
	// Collector accepts nothing more, since it can no longer promise durability.
	ErrBroken = errors.New("collector: results log unusable")
)

// DefaultMaxBody is the default bound on a posted report's size.
const DefaultMaxBody = 1 << 20

// Options tunes a Collector. The zero value is valid.
type Options struct {
	// MaxBody bounds a report's size in bytes; larger posts get 413.
	// Zero means DefaultMaxBody.
	MaxBody int64
	// OnResult, when set, is called once per task when its result has been
	// stored durably, before the task gets its answer. It may be called
	// concurrently for different tasks and should return quickly. It is not
	// called for results reloaded by Open.
	OnResult func(Result)
	// Logger receives warnings and refusals. Nil discards them. Tokens are
	// never logged.
	Logger *slog.Logger
}

// Result is one task's stored result.
type Result struct {
	TaskID   string
	Output   json.RawMessage
	Display  string
	Received time.Time
}

// Collector stores task results posted over HTTP. Its methods are safe for
// concurrent use. The owner calls Close when done.
type Collector struct {
	path     string
	maxBody  int64
	onResult func(Result)
	log      *slog.Logger

	mu       sync.Mutex
	f        *os.File
	tasks    map[string]*task
	closed   bool
	broken   error
	line     []byte         // writeLocked's buffer, reused
	inflight sync.WaitGroup // results waiting for their fsync; Close waits for them

	// Group commit (commit.go).
	syncer  syncer        // the log file, unless a test wraps it
	cur     *batch        // the batch records written now join (c.mu)
	kick    chan struct{} // cap 1: the current batch has waiters
	stop    chan struct{} // closed by Close: the committer returns
	stopped chan struct{} // closed when the committer has returned
}

// task is what the collector knows of one task.
type task struct {
	registered bool
	tokenHash  [sha256.Size]byte
	res        *pending // nil until a result is posted
}

// pending is a result written to the log, durable once its batch is done
// with err nil.
type pending struct {
	result Result
	batch  *batch
}

// Open opens (creating it if needed) the results log at path and reloads the
// registrations and results it holds. A torn last line, left by a crash in
// the middle of a write, is dropped with a warning; any other unreadable
// line is an error.
func Open(path string, opts Options) (*Collector, error) {
	c := &Collector{
		path:     path,
		maxBody:  opts.MaxBody,
		onResult: opts.OnResult,
		log:      opts.Logger,
		tasks:    make(map[string]*task),
	}
	if c.maxBody <= 0 {
		c.maxBody = DefaultMaxBody
	}
	if c.log == nil {
		c.log = slog.New(slog.DiscardHandler)
	}
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE|os.O_APPEND, 0o600)
	if err != nil {
		return nil, fmt.Errorf("opening results log %s: %w", path, err)
	}
	if err := c.load(f); err != nil {
		f.Close()
		return nil, fmt.Errorf("opening results log %s: %w", path, err)
	}
	c.f, c.syncer = f, f
	c.cur = newBatch()
	c.kick = make(chan struct{}, 1)
	c.stop, c.stopped = make(chan struct{}), make(chan struct{})
	go c.commitLoop()
	return c, nil
}

// Close stops accepting registrations and results, waits for writes under
// way, and closes the log. Close is idempotent.
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
	if err := c.f.Sync(); err != nil {
		c.f.Close()
		return fmt.Errorf("syncing results log %s: %w", c.path, err)
	}
	if err := c.f.Close(); err != nil {
		return fmt.Errorf("closing results log %s: %w", c.path, err)
	}
	return nil
}

// Register records a task that may post a result and returns its bearer
// token: 32 random bytes, hex-encoded. Only the token's SHA-256 is kept (in
// memory and in the log), so a restarted Collector still accepts it.
// Register does not fsync: a scheduler registers a whole offer's tasks in a
// row, and an fsync each would throttle launches. The registration becomes
// durable with the log's next fsync (every accepted result, and Close).
// Registering a task id twice fails with ErrDuplicate.
func (c *Collector) Register(taskID string) (string, error) {
	if taskID == "" {
		return "", errors.New("registering task: empty task id")
	}
	var raw [32]byte
	if _, err := rand.Read(raw[:]); err != nil {
		return "", fmt.Errorf("registering task %s: generating token: %w", taskID, err)
	}
	token := hex.EncodeToString(raw[:])
	hash := sha256.Sum256([]byte(token))

	c.mu.Lock()
	if err := c.usableLocked(); err != nil {
		c.mu.Unlock()
		return "", fmt.Errorf("registering task %s: %w", taskID, err)
	}
	t, ok := c.tasks[taskID]
	if ok && t.registered {
		c.mu.Unlock()
		return "", fmt.Errorf("registering task %s: %w", taskID, ErrDuplicate)
	}
	rec := record{Type: typeRegister, TaskID: taskID, TokenSHA256: hex.EncodeToString(hash[:])}
	if err := c.writeLocked(rec); err != nil {
		c.mu.Unlock()
		return "", fmt.Errorf("registering task %s: %w", taskID, err)
	}
	if !ok {
		t = &task{}
		c.tasks[taskID] = t
	}
	t.registered, t.tokenHash = true, hash
	c.mu.Unlock()
	return token, nil
}

// Result returns the task's durably stored result, if it has one.
func (c *Collector) Result(taskID string) (Result, bool) {
	c.mu.Lock()
	t, ok := c.tasks[taskID]
	var p *pending
	if ok {
		p = t.res
	}
	c.mu.Unlock()
	if p == nil {
		return Result{}, false
	}
	select {
	case <-p.batch.done:
		return p.result, p.batch.err == nil
	default:
		return Result{}, false
	}
}

// Results returns every durably stored result, oldest first.
func (c *Collector) Results() []Result {
	c.mu.Lock()
	var ps []*pending
	for _, t := range c.tasks {
		if t.res != nil {
			ps = append(ps, t.res)
		}
	}
	c.mu.Unlock()
	var out []Result
	for _, p := range ps {
		select {
		case <-p.batch.done:
			if p.batch.err == nil {
				out = append(out, p.result)
			}
		default:
		}
	}
	sort.Slice(out, func(i, j int) bool {
		if !out[i].Received.Equal(out[j].Received) {
			return out[i].Received.Before(out[j].Received)
		}
		return out[i].TaskID < out[j].TaskID
	})
	return out
}

// URL returns the full URL a task posts its result to, given the
// collector's advertised base URL (for example "http://10.0.0.5:8080").
func (c *Collector) URL(base string, taskID string) string {
	return strings.TrimRight(base, "/") + resultsPrefix + url.PathEscape(taskID)
}

// usableLocked says why nothing can be written, if so. c.mu must be held.
func (c *Collector) usableLocked() error {
	if c.closed {
		return ErrClosed
	}
	if c.broken != nil {
		return fmt.Errorf("%w: %v", ErrBroken, c.broken)
	}
	return nil
}

// Forget drops what the Collector holds of a task whose outcome its owner
// has settled, so memory follows the tasks in flight. A later post for the
// task is refused as unknown; its result stays in the log.
func (c *Collector) Forget(taskID string) {
	c.mu.Lock()
	delete(c.tasks, taskID)
	c.mu.Unlock()
}
