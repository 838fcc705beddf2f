// Package sched is batchd's engine-neutral scheduling core: it matches
// pending tasks to a core.Cluster's offers, launches them, follows their
// status updates and results, retries failures and kills tasks that run too
// long, and reports one Outcome per task.
package sched

import (
	"errors"
	"log/slog"
	"sync"
	"time"

	"github.com/batchd/batchd/core"
)

// Errors an Outcome's Err wraps, so callers can tell failures apart with errors.Is.
var (
	ErrTaskFailed = errors.New("sched: task failed")                              // FAILED, LOST, ERROR, DROPPED, GONE, KILLED
	ErrTimedOut   = errors.New("sched: task timed out")                           // killed by the scheduler after Task.Timeout
	ErrNoResult   = errors.New("sched: task finished without reporting a result") // FINISHED, no result within ResultGrace
	ErrPrepare    = errors.New("sched: preparing launch failed")                  // Task.Prepare returned an error
)

// Task is one unit of work to run to completion.
type Task struct {
	Key     string // unique, e.g. "job/taskID"
	Job     string
	CPUs    float64
	MemMB   float64
	Retries int           // attempts after the first one
	Timeout time.Duration // per attempt, from launch; 0 means none
	// Backoff is the pause before the first retry, doubled before each
	// next one up to MaxBackoff; 0 retries at once.
	Backoff time.Duration
	// Prepare is called right before each launch, attempt counting from 1.
	// It fills Command, Env, URIs (and optionally Name); the scheduler sets
	// TaskID, AgentID, CPUs and MemMB.
	Prepare func(attempt int) (core.Launch, error)
	// Placement, shared by a job's tasks, adds disk, GPUs and constraints
	// to what an offer must fit (and the rest to each launch); nil for none.
	Placement *core.Placement
	// Resume, when set, says the task already has an attempt running (a
	// restarted batchd read it from its state store): the scheduler
	// reconciles it instead of launching a new one.
	Resume *Resume
}

// Resume names an attempt launched by an earlier run. With TaskID empty
// the task waits for a new attempt, numbered after the Attempt earlier ones.
type Resume struct {
	TaskID     string
	AgentID    string
	Attempt    int
	LaunchedAt time.Time
}

// MaxBackoff bounds the pause before a retry.
const MaxBackoff = time.Minute

// Outcome is how a task ended for good.
type Outcome struct {
	Key      string
	TaskID   string // the last attempt's id
	Attempts int
	State    core.TaskState // the last attempt's final state
	Err      error          // nil on success
	Message  string
}

// Config tunes a Scheduler.
type Config struct {
	// Refuse is the refuse filter for declined offers (default 5s).
	Refuse time.Duration
	// ResultGrace is how long a TASK_FINISHED attempt may wait for its
	// result before it counts as failed (default 30s).
	ResultGrace time.Duration
	// KillRetry is how often an unanswered kill is repeated (default 30s).
	KillRetry time.Duration
	// ReconcileEvery is how often tasks in flight are reconciled besides
	// after each (re)subscription (default 10m).
	ReconcileEvery time.Duration
	Logger         *slog.Logger
	// OnLaunch and OnUpdate observe attempts (e.g. to persist them). They
	// run on the scheduler's goroutine and must not block.
	OnLaunch func(key string, attempt int, l core.Launch)
	OnUpdate func(key string, attempt int, u core.Update)
	// OnAbandon is called with an attempt's task id when the scheduler
	// stops waiting for its result: the attempt failed, was lost, or is
	// being killed (timed out). Its result must no longer count. It runs on
	// the scheduler's goroutine and must not block.
	OnAbandon func(taskID string)
	// Adopting makes the scheduler leave tasks it does not know alone
	// until Adopted is called: a restarted owner submits the attempts an
	// earlier run left running (Task.Resume) only as it reads them back, and
	// the cluster reports them first.
	Adopting bool
	// OfferWait, when > 0, bounds how long a pending task may wait while
	// no agent has offered enough cpus and memory for it: it then fails
	// with ErrNoFit, and a warning names its job, its size and the largest
	// offer seen. 0 waits for ever.
	OfferWait time.Duration
	// OnSubscribed is called with the framework id after each
	// (re)subscription, to keep it for the next run.
	OnSubscribed func(frameworkID string)
	// Observer, when set, counts offers, launches, retries and attempts'
	// run times (metrics).
	Observer Observer
}

// Scheduler runs Tasks on a core.Cluster. Submit and ResultArrived may be
// called from any goroutine, before or while Run runs.
type Scheduler struct {
	cl  core.Cluster
	cfg Config
	log *slog.Logger

	mu      sync.Mutex
	inbox   []Task
	results []string
	adopted bool          // Adopted was called
	wake    chan struct{} // cap 1: inbox has something
	closing chan struct{}
	once    sync.Once
	done    chan Outcome

	// Owned by Run's goroutine.
	st state
}

// New returns a Scheduler for cl; nothing happens until Run.
func New(cl core.Cluster, cfg Config) *Scheduler {
	if cfg.Refuse <= 0 {
		cfg.Refuse = 5 * time.Second
	}
	if cfg.ResultGrace <= 0 {
		cfg.ResultGrace = 30 * time.Second
	}
	if cfg.KillRetry <= 0 {
		cfg.KillRetry = 30 * time.Second
	}
	if cfg.ReconcileEvery <= 0 {
		cfg.ReconcileEvery = 10 * time.Minute
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.Observer == nil {
		cfg.Observer = nopObserver{}
	}
	return &Scheduler{
		cl:      cl,
		cfg:     cfg,
		log:     cfg.Logger,
		wake:    make(chan struct{}, 1),
		closing: make(chan struct{}),
		done:    make(chan Outcome),
		st:      newState(cfg.Adopting),
	}
}

// Submit adds tasks to run. A task whose Key is already active is ignored.
func (s *Scheduler) Submit(tasks ...Task) {
	s.mu.Lock()
	s.inbox = append(s.inbox, tasks...)
	s.mu.Unlock()
	s.poke()
}

// ResultArrived tells the scheduler the collector holds attempt taskID's result.
func (s *Scheduler) ResultArrived(taskID string) {
	s.mu.Lock()
	s.results = append(s.results, taskID)
	s.mu.Unlock()
	s.poke()
}

func (s *Scheduler) poke() {
	select {
	case s.wake <- struct{}{}:
	default:
	}
}

// Adopted tells a scheduler configured with Adopting that every task the
// owner resumes has been submitted: from now on a running task it does not
// know is a stray, and it reconciles to find them.
func (s *Scheduler) Adopted() {
	s.mu.Lock()
	s.adopted = true
	s.mu.Unlock()
	s.poke()
}

// Done delivers one Outcome per submitted task when it ends for good. It
// is closed when Run returns; outcomes not yet received then are dropped.
func (s *Scheduler) Done() <-chan Outcome { return s.done }

// Close makes Run return. It does not tear the framework down.
func (s *Scheduler) Close() error {
	s.once.Do(func() { close(s.closing) })
	return nil
}

// takeInbox empties the inbox and says whether Adopted was called.
func (s *Scheduler) takeInbox() ([]Task, []string, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	t, r := s.inbox, s.results
	s.inbox, s.results = nil, nil
	return t, r, s.adopted
}
