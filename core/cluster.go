// Package core holds batchd's domain types: what the scheduling core asks of
// a cluster engine and what the engine tells it. Subpackages implement the
// parts: the Mesos engine, staging, the collector and the job runner.
package core

import (
	"context"
	"errors"
	"time"
)

// Cluster is the engine tasks run on. The Mesos v1 scheduler API client
// (core/mesos) is its one implementation today; the scheduling core depends
// on nothing else of it.
//
// Lifecycle: the owner calls Run once; Run connects (subscribes), delivers
// events on the channel it is given until ctx is cancelled or the engine
// fails for good, reconnecting with backoff in between, and never closes
// the channel. The other methods may be called from any goroutine while Run
// is running; before the first Subscribed event they return ErrNotConnected.
type Cluster interface {
	Run(ctx context.Context, events chan<- Event) error
	// Launch runs tasks on the resources of one offer (the rest of the offer is declined).
	Launch(ctx context.Context, offerID string, tasks []Launch) error
	// Decline returns offers unused, asking not to see them again for refuse.
	Decline(ctx context.Context, offerIDs []string, refuse time.Duration) error
	// Kill asks the engine to kill a task.
	Kill(ctx context.Context, taskID, agentID string) error
	// Reconcile asks for the latest state of the given tasks (all, when empty).
	Reconcile(ctx context.Context, tasks []TaskRef) error
	// Suppress stops offers; Revive asks for them again.
	Suppress(ctx context.Context) error
	Revive(ctx context.Context) error
	// Teardown ends the framework: the engine kills its tasks and forgets it.
	Teardown(ctx context.Context) error
}

// SandboxReader is an optional interface of a Cluster whose agents serve
// the files of a task's sandbox (a Mesos agent's /files/read). The
// scheduling core finds it with a type assertion.
type SandboxReader interface {
	// ReadTail returns at most max bytes from the end of the file named
	// name (e.g. "stderr") in the sandbox of task taskID on agent agentID.
	// It gives up when ctx ends, and fails when the engine does not know
	// the agent's address or the agent no longer has the file.
	ReadTail(ctx context.Context, taskID, agentID, name string, max int) ([]byte, error)
}

// Event is one thing the engine tells the scheduling core. Exactly one field is set.
type Event struct {
	Subscribed *Subscribed
	Offers     []Offer
	Rescinded  string // offer id
	Update     *Update
	// Disconnected is set when the connection to the engine was lost; Run reconnects.
	Disconnected error
}

// Subscribed reports a (re)subscription.
type Subscribed struct {
	FrameworkID string
	Heartbeat   time.Duration
}

// Offer is a set of resources on one agent.
type Offer struct {
	ID       string
	AgentID  string
	Hostname string
	CPUs     float64
	MemMB    float64
	DiskMB   float64
	GPUs     float64
	// Attributes are the agent's attributes by name, each value as text:
	// a scalar as its number, ranges as "[1-10,20-30]", a set as "{a,b}".
	Attributes map[string]string
}

// Launch is one task to run.
type Launch struct {
	TaskID  string
	Name    string
	AgentID string
	// Command is the argv to run, without a shell.
	Command []string
	Env     map[string]string
	CPUs    float64
	MemMB   float64
	URIs    []URI
	// Placement, shared by a job's tasks, adds disk, GPUs, the user,
	// labels and a container; nil for none.
	Placement *Placement
}

// URI is a file the agent fetches into the task's sandbox, with the Mesos fetcher's options.
type URI struct {
	Value      string
	Executable bool
	Extract    bool
	Cache      bool
	OutputFile string
}

// TaskRef names a task for reconciliation.
type TaskRef struct {
	TaskID  string
	AgentID string
}

// TaskState is a task's state as the engine reports it.
type TaskState string

// Task states, as Mesos names them.
const (
	TaskStaging  TaskState = "TASK_STAGING"
	TaskStarting TaskState = "TASK_STARTING"
	TaskRunning  TaskState = "TASK_RUNNING"
	TaskFinished TaskState = "TASK_FINISHED"
	TaskFailed   TaskState = "TASK_FAILED"
	TaskKilled   TaskState = "TASK_KILLED"
	TaskLost     TaskState = "TASK_LOST"
	TaskError    TaskState = "TASK_ERROR"
	TaskDropped  TaskState = "TASK_DROPPED"
	TaskGone     TaskState = "TASK_GONE"
	TaskUnknown  TaskState = "TASK_UNKNOWN"
)

// Terminal reports whether no further update follows s.
func (s TaskState) Terminal() bool {
	switch s {
	case TaskFinished, TaskFailed, TaskKilled, TaskLost, TaskError, TaskDropped, TaskGone:
		return true
	}
	return false
}

// Update is a task status update. The engine acknowledges it after the
// consumer has received it from the events channel.
type Update struct {
	TaskID  string
	AgentID string
	State   TaskState
	Message string
	Reason  string
	Source  string
}

// ErrNotConnected is returned by Cluster methods called before the engine has
// subscribed, or after it tore its framework down.
var ErrNotConnected = errors.New("core: cluster not connected")
