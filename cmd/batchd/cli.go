package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"
	"time"

	"github.com/batchd/batchd/localcluster"
)

// Exit codes.
const (
	exitOK     = 0
	exitFailed = 1 // a job failed or the run could not finish
	exitUsage  = 2 // bad flags or config
)

// usageError marks an error that is the caller's to fix (flags, config):
// batchd exits with status 2.
type usageError struct{ err error }

func (e usageError) Error() string { return e.err.Error() }
func (e usageError) Unwrap() error { return e.err }

// usagef returns a usageError; %w wraps as in fmt.Errorf.
func usagef(format string, args ...any) error { return usageError{fmt.Errorf(format, args...)} }

// Main is the batchd program, testable without the binary: it parses
// flags, runs one subcommand and releases what it started on Close.
type Main struct {
	Stdout, Stderr io.Writer
	// Exe is the path of the running batchd binary (plugin folders are found next to it).
	Exe string

	cmd        string
	configPath string
	listen     string
	agents     int
	workDir    string
	fresh      bool
	// readTimeout, when set, replaces the server's 30 s read and write bounds (tests).
	readTimeout time.Duration
	// embedded, when set, is handed the embedded cluster once it has
	// started, for tests that inject faults into it.
	embedded  func(*localcluster.Cluster)
	job       string // results: --job
	format    string // results: --format
	extraDirs stringList
	args      []string
	logLevel  slog.Level

	log     *slog.Logger
	closers []func() error
}

// NewMain returns a Main writing results to stdout and logs to stderr.
func NewMain(stdout, stderr io.Writer) *Main {
	exe, _ := os.Executable()
	return &Main{Stdout: stdout, Stderr: stderr, Exe: exe}
}

type stringList []string

func (s *stringList) String() string     { return strings.Join(*s, ",") }
func (s *stringList) Set(v string) error { *s = append(*s, v); return nil }

const usage = `usage:
  batchd --config cluster.toml [--fresh]          run the config's jobs (resuming unfinished ones), then exit
  batchd run --config cluster.toml [--fresh]      the same
  batchd validate --config cluster.toml           check a config and its plugins; run nothing
  batchd results --config cluster.toml [--job NAME] [--format jsonl|csv|table]
                                                  print every task's stored record (also while a run goes on)
  batchd plugins [--config cluster.toml] [--plugin-dir D]...
                                                  list the plugins found
  batchd fetch [--config cluster.toml] [--plugin-dir D]... URI DEST
                                                  fetch one URI with the fetcher plugins, as staging does
  batchd local-cluster [--listen 127.0.0.1:5050] [--agents N] [--work-dir D]
                                                  run the embedded Mesos-API cluster alone
  batchd version
`

// ParseFlags picks the subcommand and parses its flags.
func (m *Main) ParseFlags(args []string) error {
	m.cmd = "run"
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		m.cmd, args = args[0], args[1:]
	}
	fs := flag.NewFlagSet("batchd "+m.cmd, flag.ContinueOnError)
	fs.SetOutput(m.Stderr)
	fs.Usage = func() { fmt.Fprint(m.Stderr, usage) }
	verbose := false
	fs.BoolVar(&verbose, "v", false, "log debug messages")
	switch m.cmd {
	case "run":
		fs.StringVar(&m.configPath, "config", "", "path of cluster.toml")
		fs.BoolVar(&m.fresh, "fresh", false, "discard the jobs' stored state and start them over")
	case "validate":
		fs.StringVar(&m.configPath, "config", "", "path of cluster.toml")
	case "results":
		fs.StringVar(&m.configPath, "config", "", "path of cluster.toml (for its [state] dir and jobs)")
		fs.StringVar(&m.job, "job", "", "print only this job")
		fs.StringVar(&m.format, "format", "table", "jsonl, csv or table")
	case "plugins", "fetch":
		fs.StringVar(&m.configPath, "config", "", "path of cluster.toml (for its plugin folders and fetcher settings)")
		fs.Var(&m.extraDirs, "plugin-dir", "a plugin folder to search (repeatable)")
	case "local-cluster":
		fs.StringVar(&m.configPath, "config", "", "path of cluster.toml (for its [local] table)")
		fs.StringVar(&m.listen, "listen", "127.0.0.1:5050", "address to serve the Mesos v1 API on")
		fs.IntVar(&m.agents, "agents", 0, "number of agents (default: [local] agents, or 1)")
		fs.StringVar(&m.workDir, "work-dir", "", "folder for sandboxes (default: a temporary folder)")
	case "version", "help":
	default:
		fmt.Fprint(m.Stderr, usage)
		return usagef("unknown command %q", m.cmd)
	}
	if err := fs.Parse(args); err != nil {
		return usagef("%w", err)
	}
	if m.cmd == "fetch" {
		if fs.NArg() != 2 {
			return usagef("batchd fetch needs URI and DEST")
		}
		m.args = fs.Args()
	} else if fs.NArg() > 0 {
		return usagef("unexpected arguments %q", fs.Args())
	}
	if (m.cmd == "run" || m.cmd == "validate" || m.cmd == "results") && m.configPath == "" {
		return usagef("batchd %s needs --config FILE", m.cmd)
	}
	m.logLevel = slog.LevelInfo
	if verbose {
		m.logLevel = slog.LevelDebug
	}
	m.log = slog.New(slog.NewTextHandler(m.Stderr, &slog.HandlerOptions{Level: m.logLevel}))
	return nil
}

// Main parses args, runs the subcommand and returns the process exit code.
func (m *Main) Main(ctx context.Context, args []string) int {
	if err := m.ParseFlags(args); err != nil {
		fmt.Fprintln(m.Stderr, "batchd:", err)
		return exitUsage
	}
	if err := m.Run(ctx); err != nil {
		fmt.Fprintln(m.Stderr, "batchd:", err)
		if errors.As(err, new(usageError)) {
			return exitUsage
		}
		return exitFailed
	}
	return exitOK
}

// Run runs the parsed subcommand.
func (m *Main) Run(ctx context.Context) error {
	switch m.cmd {
	case "run":
		return m.runJobs(ctx)
	case "validate":
		return m.validate(ctx)
	case "results":
		return m.results(ctx)
	case "plugins":
		return m.listPlugins(ctx)
	case "local-cluster":
		return m.localCluster(ctx)
	case "fetch":
		return m.fetch(ctx)
	case "help":
		fmt.Fprint(m.Stdout, usage)
		return nil
	case "version":
		fmt.Fprintln(m.Stdout, "batchd", version)
		return nil
	}
	return usagef("unknown command %q", m.cmd)
}

// version is set at build time with -ldflags "-X main.version=...".
var version = "0.1.0-dev"

// onClose registers a release step; Close runs them in reverse order.
func (m *Main) onClose(f func() error) { m.closers = append(m.closers, f) }

// Close releases everything Run started, last started first.
func (m *Main) Close() error {
	var errs []error
	for i := len(m.closers) - 1; i >= 0; i-- {
		errs = append(errs, m.closers[i]())
	}
	m.closers = nil
	return errors.Join(errs...)
}
