// Package workload is the contract between batchd and a workload plugin: the
// Go interface a plugin implements, the types that cross the wire, and the
// gRPC shims that carry them over hashicorp/go-plugin.
//
// A workload turns a job's parameters into task specs (Plan), and the tasks'
// results into the job's result (Reduce). The contract is versioned by
// ProtocolVersion; a shipped interface never changes: new capability comes as
// a new optional interface and a new protocol version.
package workload

import (
	"context"
	"encoding/json"
	"errors"
	"time"

	"github.com/batchd/batchd/plugins/report"
)

// ProtocolVersion is the go-plugin protocol version of this contract.
const ProtocolVersion = 1

// PluginName is the name the workload is dispensed under in go-plugin's plugin map.
const PluginName = "workload"

// Sentinel errors returned by the gRPC client; plugins return them (wrapped)
// to give batchd a precise reason.
var (
	// ErrInvalidParams means the job's parameters are wrong; the message names the parameter.
	ErrInvalidParams = errors.New("workload: invalid params")
	// ErrInvalidResult means a task result cannot be reduced.
	ErrInvalidResult = errors.New("workload: invalid result")
)

// Workload is implemented by a workload plugin.
//
// Lifecycle: batchd calls Describe once after launching the plugin, then Plan
// once per job, then Reduce once per job after every task has ended. All
// methods honour ctx: when it is cancelled they return ctx.Err() promptly.
type Workload interface {
	// Describe returns the workload's name, version and parameter schema.
	Describe(ctx context.Context) (Info, error)
	// Plan splits job into tasks, calling emit once per task in order. If emit
	// returns an error Plan stops and returns it. An error wrapping
	// ErrInvalidParams means the job's params are at fault.
	Plan(ctx context.Context, job Job, emit func(TaskSpec) error) error
	// Reduce folds the results of the job's finished tasks into the job's
	// result. It reads results by calling next until next returns io.EOF.
	Reduce(ctx context.Context, job Job, next func() (Result, error)) (Summary, error)
}

// Info describes a workload plugin.
type Info struct {
	Name        string
	Version     string
	Description string
	Params      []Param
}

// ParamType says how batchd treats a parameter before Plan.
type ParamType string

// Parameter types. A ParamURI parameter is staged by batchd through its
// fetcher plugins before Plan; the workload finds the local copy in Job.Files.
const (
	ParamString ParamType = "string"
	ParamInt    ParamType = "int"
	ParamBool   ParamType = "bool"
	ParamList   ParamType = "list"
	ParamURI    ParamType = "uri"
)

// Param is one entry of a workload's parameter schema.
type Param struct {
	Name        string
	Type        ParamType
	Required    bool
	Description string
}

// Job is what a workload plans and reduces.
type Job struct {
	// Name is the job's name from the config.
	Name string
	// Params are the job's [job.params], as decoded from TOML and carried as JSON.
	Params map[string]any
	// Files maps each ParamURI parameter to the local path of its staged copy.
	Files map[string]string
}

// TaskSpec is one task of a planned job.
type TaskSpec struct {
	// ID is unique within the job (for example "0", "1", ...).
	ID string
	// Name is a short human label for logs.
	Name string
	// Label is the workload's label for the task, shown with its result by
	// `batchd results` and kept in batchd's store (for sum: the group,
	// "1 2 3"). Keep it short and free of secrets; empty means none. A
	// plugin built before the field existed never sets it.
	Label string
	// Command is the argv the agent runs (no shell). A relative Command[0]
	// names a file fetched into the sandbox, such as an executable artifact.
	Command []string
	// Env is added to the task's environment.
	Env map[string]string
	// CPUs and MemMB override the job's per-task resources when non-zero.
	CPUs  float64
	MemMB float64
	// Artifacts are fetched into the task's sandbox before it starts.
	Artifacts []Artifact
	// Timeout overrides the job's timeout when non-zero.
	Timeout time.Duration
	// Data is opaque to batchd and handed back to Reduce with the task's result.
	Data json.RawMessage
}

// Artifact is a file a task needs in its sandbox, with the Mesos fetcher's
// per-URI options.
type Artifact struct {
	URI        string
	Executable bool
	Extract    bool
	Cache      bool
	OutputFile string
	// Checksum is "sha256:<hex>" or empty.
	Checksum string
	// Direct passes URI to the agents unstaged.
	Direct bool
	// Immutable says the URI's bytes never change (a versioned release
	// URL): batchd reuses a copy staged on an earlier run without asking
	// the source whether it changed. Without it, batchd revalidates the
	// copy (ETag, mtime...) once per run and fetches again when the source
	// changed or cannot say.
	Immutable bool
}

// Result is what one task reported to the collector.
type Result struct {
	TaskID string
	// Output is the task's JSON result.
	Output json.RawMessage
	// Display is the line batchd prints when the result arrives.
	Display string
	// Data is the TaskSpec's Data.
	Data json.RawMessage
}

// Summary is a job's reduced result.
type Summary struct {
	// Text is printed as "job NAME: N tasks finished, TEXT".
	Text string
	// Output is the job's machine-readable result.
	Output json.RawMessage
}

// The task protocol: how a task program reports its result, defined in
// plugins/report (standard library only, so task programs stay small) and
// re-exported here. batchd sets these variables in every task's
// environment; the task POSTs one JSON TaskReport to EnvCollectorURL with
// the header "Authorization: Bearer $BATCHD_TASK_TOKEN". Any language can
// do it with curl.
const (
	// EnvCollectorURL is the full URL the task POSTs its result to.
	EnvCollectorURL = report.EnvCollectorURL
	// EnvTaskID is the task's id (job-scoped id plus attempt, as batchd launched it).
	EnvTaskID = report.EnvTaskID
	// EnvTaskToken is the task's bearer token.
	EnvTaskToken = report.EnvTaskToken
	// EnvReportDeadline is not set by batchd: a workload may set it in a
	// TaskSpec's Env to bound, as a Go duration, how long the task keeps
	// trying to post its result (report.DefaultDeadline, 2 minutes, if unset).
	EnvReportDeadline = report.EnvReportDeadline
	// EnvCollectorCA is set by batchd when it serves over TLS with a CA of
	// its own ([server] tls_ca): the CA's PEM text, which the task trusts
	// when it posts (report.EnvCollectorCA).
	EnvCollectorCA = report.EnvCollectorCA
)

// TaskReport is the JSON body a task POSTs to the collector.
type TaskReport = report.Body
