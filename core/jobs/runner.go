// Package jobs runs batchd's jobs end to end: it asks a workload plugin for a
// plan, stages each task's artifacts through the fetcher plugins, hands the
// tasks to the scheduling core, matches the results the collector receives
// to their tasks, and reduces them into the job's result.
package jobs

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"sync"

	"github.com/batchd/batchd/core"
	"github.com/batchd/batchd/core/collector"
	"github.com/batchd/batchd/core/sched"
	"github.com/batchd/batchd/core/staging"
	"github.com/batchd/batchd/core/state"
	"github.com/batchd/batchd/plugins/fetcher"
	"github.com/batchd/batchd/plugins/workload"
)

// Plugins is what the runner needs of the plugin host.
type Plugins interface {
	Workload(ctx context.Context, name string) (workload.Workload, error)
	FetcherFor(ctx context.Context, scheme string) (fetcher.Fetcher, error)
	ExtractorFor(ctx context.Context, format string) (fetcher.Extractor, error)
	// ArchiveFormat returns the format of an archive by its file name, as
	// the loaded plugins declare them; ok is false for a name no plugin
	// extracts.
	ArchiveFormat(ctx context.Context, name string) (format string, ok bool, err error)
}

// Scheduler is what the runner needs of the scheduling core.
type Scheduler interface {
	Submit(tasks ...sched.Task)
	ResultArrived(taskID string)
	Done() <-chan sched.Outcome
}

// Config wires a Runner.
type Config struct {
	Plugins   Plugins
	Store     *staging.Store
	Collector *collector.Collector
	Scheduler Scheduler
	// State keeps every job's plan, tasks and results.
	State *state.Store
	// Advertise is the base URL (scheme://host:port) agents use to reach batchd.
	Advertise string
	// CollectorCA, when set, is the PEM text of the CA batchd's https
	// certificate chains to: every task gets it in
	// workload.EnvCollectorCA, so that it trusts the collector.
	CollectorCA string
	// InputDir holds archives given as workload inputs, extracted (one
	// folder per archive digest).
	InputDir string
	// Window is how many of a job's tasks are in the scheduler at once
	// (DefaultWindow when 0): more are read from the plan as tasks end.
	Window int
	// Fed, when set, is called once per Run with the job's name as soon as
	// the job's first window of tasks, those resumed from an earlier run
	// included, is in the scheduler (or when Run returns before that): from
	// then on every attempt that may still post is registered.
	Fed func(job string)
	// Sandbox, when set, reads the end of a failed attempt's stderr from
	// its agent (the cluster engine, if it is a core.SandboxReader).
	Sandbox core.SandboxReader
	// OnTasks, when set, is told each time n tasks of a job move from
	// one state to another (metrics): from is "" when a job's planned tasks
	// are first counted, as pending. It is called with the runner's lock
	// held and must not block or call the runner.
	OnTasks func(job string, from, to state.TaskState, n int)
	// Out receives result lines and job summaries; Log receives diagnostics.
	Out io.Writer
	Log *slog.Logger
}

// Runner runs jobs. It is safe for concurrent use: jobs run side by side.
type Runner struct {
	cfg Config

	outMu sync.Mutex

	mu       sync.Mutex
	attempts map[string]attemptRef // attempt task id -> its task
	tasks    map[string]*taskState // task key -> task

	archives archives

	sandbox core.SandboxReader
	stderrQ chan stderrFetch // stderr.go
}

// New returns a Runner. Call Dispatch in its own goroutine, and wire the
// collector's OnResult to Runner.Result.
func New(cfg Config) *Runner {
	if cfg.Log == nil {
		cfg.Log = slog.New(slog.DiscardHandler)
	}
	if cfg.Out == nil {
		cfg.Out = io.Discard
	}
	return &Runner{cfg: cfg, attempts: map[string]attemptRef{}, tasks: map[string]*taskState{},
		sandbox: cfg.Sandbox, stderrQ: make(chan stderrFetch, stderrQueue)}
}

// taskState tracks one task in the scheduler across its attempts; it is
// forgotten when the task ends.
type taskState struct {
	job   *jobState
	key   string
	seq   uint64 // position in the stored plan
	label string
	plan  *planned
	// kept: the store holds the task's result; printed: its line is out.
	kept, printed bool
	// attempts are the task ids of its attempts.
	attempts []string
	// phase is the task's state as OnTasks was last told it (phase.go).
	phase state.TaskState
	// stderr is the end of its last failed attempt's stderr; stderrDone is
	// closed once the read for it is over (stderr.go).
	stderr     string
	stderrDone chan struct{}
}

// attemptRef is one attempt of a task.
type attemptRef struct {
	t *taskState
	n int
}

// Report is how a job ended.
type Report struct {
	Job      string
	Tasks    int
	Finished int
	Failed   int
	Summary  workload.Summary
	// Failures are the first 100 failed tasks' errors, in the order they ended.
	Failures []error
}

// printf writes one line to Out, whole.
func (r *Runner) printf(format string, args ...any) {
	r.outMu.Lock()
	defer r.outMu.Unlock()
	fmt.Fprintf(r.cfg.Out, format+"\n", args...)
}

// Dispatch routes the scheduler's outcomes to their jobs, and reads failed
// attempts' stderr, until ctx ends.
func (r *Runner) Dispatch(ctx context.Context) {
	var wg sync.WaitGroup
	wg.Add(1)
	go func() { defer wg.Done(); r.readStderr(ctx) }()
	defer wg.Wait()
	for {
		select {
		case <-ctx.Done():
			return
		case o, ok := <-r.cfg.Scheduler.Done():
			if !ok {
				return
			}
			r.mu.Lock()
			t := r.tasks[o.Key]
			r.mu.Unlock()
			if t == nil {
				r.cfg.Log.Warn("outcome for unknown task", "task", o.Key)
				continue
			}
			t.job.outcome(o)
		}
	}
}
