// Package config loads and validates batchd's cluster.toml.
//
// Load reads a file, Parse decodes bytes: both apply defaults, resolve
// relative paths against the file's folder, read the framework secret and
// validate, reporting every problem at once as "file:line:col: key: problem"
// (see Error). The keys are documented in README.md beside this file.
package config

import (
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"time"

	"github.com/batchd/batchd/core"
)

// Codec values for Cluster.Codec.
const (
	CodecProtobuf = "protobuf"
	CodecJSON     = "json"
)

// Mode values for Artifact.Mode.
const (
	ModeStaged = "staged" // batchd fetches the artifact and serves it to tasks
	ModeDirect = "direct" // the Mesos fetcher downloads the URI itself
)

// Config is a decoded cluster.toml.
type Config struct {
	Cluster  Cluster
	Local    Local
	Server   Server
	State    State
	Plugins  Plugins
	Fetchers map[string]map[string]any // [fetchers.<name>] tables, as decoded
	Jobs     []Job                     // [[job]] tables, in file order

	// File is the name given to Load or Parse, used in error messages.
	File string
	// Dir is the absolute folder of File; relative paths resolve against it.
	Dir string

	pos positions
}

// Cluster is the [cluster] table: how batchd registers as a Mesos framework.
type Cluster struct {
	Master           string   // http(s)://host:port of the Mesos master; "" runs the embedded cluster
	Framework        string   // framework name
	Role             string   // Mesos role
	Principal        string   // Mesos principal
	SecretFile       string   // absolute path of the file holding the secret, or ""
	Secret           Secret   // contents of SecretFile without the trailing newline
	FailoverTimeout  Duration // how long Mesos keeps the framework's tasks after batchd disconnects
	Codec            string   // CodecProtobuf or CodecJSON
	HeartbeatTimeout Duration // 0 leaves the master's heartbeat interval alone
	ConnectTimeout   Duration // how long to try reaching the master
	// OfferWait is how long a task may wait while no agent has offered
	// enough cpus and memory for it before its job fails; 0 waits for ever.
	OfferWait Duration
}

// Local is the [local] table: the embedded single-machine cluster.
type Local struct {
	Agents int     // number of agents, >= 1
	CPUs   float64 // cpus offered by each agent
	Mem    Size    // memory offered by each agent
	Disk   Size    // disk offered by each agent
	// Attributes are the agents' attributes, one string per agent as the
	// Mesos agent's --attributes flag takes them ("rack:a;zone:2").
	Attributes []string
}

// Server is the [server] table: batchd's artifact and result server.
type Server struct {
	Listen    string // host:port to listen on
	Advertise string // URL base tasks use to reach batchd; "" derives it from the listener
	TLSCert   string // absolute path of the server's PEM certificate (chain); "" serves plain http
	TLSKey    string // absolute path of its PEM private key
	TLSCA     string // absolute path of a PEM CA that tasks and agents are told to trust, or ""
}

// State is the [state] table.
type State struct {
	Dir        string // absolute folder for batchd's state and staged artifacts
	StagingMax Size   // bound on staged bytes; 0 means unbounded
	// Sync (default true) makes every commit to the state store durable
	// (fsync'd) before a task's result is acknowledged. false is faster; a
	// crash of the machine (not of batchd) may then lose the last results.
	Sync bool
}

// Plugins is the [plugins] table.
type Plugins struct {
	Dirs []string          // absolute folders searched in order for plugin executables
	Pins map[string]string // plugin file name -> "sha256:<64 lowercase hex>"
}

// Job is one [[job]] table.
type Job struct {
	Name     string
	Workload string
	CPUs     float64 // cpus per task
	Mem      Size    // memory per task
	Retries  int     // extra attempts for a failed task
	// RetryBackoff is the pause before a failed task's first retry,
	// doubled before each next one (at most a minute); 0 retries at once.
	RetryBackoff Duration
	Timeout      Duration // limit on one task attempt
	// PluginTimeout bounds each call to the workload plugin (Plan, Reduce).
	PluginTimeout Duration
	Params        map[string]any // [job.params], handed to the workload plugin as-is
	Artifacts     []Artifact
	// Output is an absolute JSON-lines file each committed result is
	// appended to; "" for none.
	Output string
	// Placement: what a real cluster's offers must also have, and what
	// each task is launched with (see core.Placement).
	Disk        Size
	GPUs        float64
	User        string
	Labels      map[string]string
	Constraints []core.Constraint
	Container   *Container
}

// Container is a [job.container] table: the Mesos containerizer or
// Docker, an image, and volumes as "host_path:container_path[:ro|rw]".
type Container struct {
	Type    string // "MESOS" (the default) or "DOCKER"
	Image   string
	Volumes []core.Volume
}

// Artifact is one [[job.artifacts]] table.
type Artifact struct {
	URI        string
	Executable bool
	Extract    bool
	// ExtractSet says extract was given; without it an archive is extracted
	// (the Mesos fetcher's default), anything else is not.
	ExtractSet bool
	// Cache asks the agents to keep the artifact in their fetch cache
	// (cache = true or "immutable").
	Cache bool
	// Immutable (cache = "immutable") says the URI's bytes never change:
	// batchd reuses its staged copy from an earlier run without asking
	// the source.
	Immutable  bool
	OutputFile string // file name in the sandbox; "" keeps the URI's base name
	Checksum   string // "sha256:<64 lowercase hex>" or ""
	Mode       string // ModeStaged or ModeDirect
}

// Defaults for keys that are absent.
const (
	DefaultFramework       = "batchd"
	DefaultRole            = "*"
	DefaultFailoverTimeout = Duration(time.Hour)
	DefaultConnectTimeout  = Duration(30 * time.Second)
	DefaultOfferWait       = Duration(2 * time.Minute)
	DefaultListen          = "127.0.0.1:0"
	DefaultStateDir        = ".batchd"
	DefaultLocalDisk       = 10 * GiB
	DefaultJobCPUs         = 1.0
	DefaultJobMem          = 64 * MiB
	DefaultJobRetries      = 2
	DefaultRetryBackoff    = Duration(time.Second)
	MaxJobRetries          = 100
	DefaultJobTimeout      = Duration(10 * time.Minute)
	DefaultPluginTimeout   = Duration(10 * time.Minute)
)

// Default returns the configuration an empty file produces, before relative
// paths are resolved: State.Dir is DefaultStateDir and Plugins.Dirs is empty.
func Default() *Config {
	return &Config{
		Cluster: Cluster{
			Framework:       DefaultFramework,
			Role:            DefaultRole,
			FailoverTimeout: DefaultFailoverTimeout,
			Codec:           CodecProtobuf,
			ConnectTimeout:  DefaultConnectTimeout,
			OfferWait:       DefaultOfferWait,
		},
		Local: Local{
			Agents: 1,
			CPUs:   float64(runtime.NumCPU()),
			Mem:    defaultLocalMem(),
			Disk:   DefaultLocalDisk,
		},
		Server: Server{Listen: DefaultListen},
		State:  State{Dir: DefaultStateDir, Sync: true},
	}
}

// DefaultJob returns a job with every optional key at its default.
func DefaultJob() Job {
	return Job{CPUs: DefaultJobCPUs, Mem: DefaultJobMem, Retries: DefaultJobRetries, RetryBackoff: DefaultRetryBackoff,
		Timeout: DefaultJobTimeout, PluginTimeout: DefaultPluginTimeout}
}

// DefaultArtifact returns an artifact with every optional key at its default.
func DefaultArtifact() Artifact { return Artifact{Mode: ModeStaged} }

// Load reads, decodes and validates the configuration file at path.
// Jobs are not required; call RequireJobs before running them.
func Load(path string) (*Config, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("loading config: %w", err)
	}
	return Parse(path, data)
}

// Parse decodes and validates data as if read from the file name, which is
// used in error messages and as the base for relative paths. It returns nil
// and every problem found, joined, when data is not a valid configuration.
func Parse(name string, data []byte) (*Config, error) {
	c := Default()
	c.File = name
	dir, err := filepath.Abs(filepath.Dir(name))
	if err != nil {
		return nil, fmt.Errorf("parsing config %s: %w", name, err)
	}
	c.Dir = dir
	d := &decoder{problems: problems{file: name}}
	doc, ok := d.parse(data)
	if !ok {
		return nil, d.err()
	}
	c.pos = d.pos
	d.config(c, doc)
	c.resolve(&d.problems)
	c.validate(&d.problems)
	if err := d.err(); err != nil {
		return nil, err
	}
	return c, nil
}
