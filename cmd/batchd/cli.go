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

	"github.com/batchd/batchd/internal/metrics"
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
	credsFile  string // local-cluster --credentials
	fresh      bool
	// readTimeout, when set, replaces the server's 30 s read and write bounds (tests).
	readTimeout time.Duration
	// embedded, when set, is handed the embedded cluster once it has
	// started, for tests that inject faults into it.
	embedded   func(*localcluster.Cluster)
	job        string // results: --job
	format     string // results: --format
	extraDirs  stringList
	attributes stringList // local-cluster --attributes
	args       []string
	helpFor    string // help: the command whose flags to list ("" for all commands)
	logLevel   slog.Level
	logFormat  string // --log-format: text or json
	quiet      bool   // --quiet: warnings and errors only, no progress
	// progressEvery, when set, replaces how often a run off a terminal
	// logs its progress (tests).
	progressEvery time.Duration

	logw *switchWriter // where log lines go: stderr, or above the progress bars

	log     *slog.Logger
	metrics *metrics.Registry // a run's metrics (metrics.go); nil for other commands
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

// ParseFlags picks the subcommand and parses its flags. --help (or -h)
// asks for the command's help, which Run prints.
func (m *Main) ParseFlags(args []string) error {
	m.cmd = "run"
	implicit := true
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		m.cmd, args, implicit = args[0], args[1:], false
	}
	verbose := false
	fs, ok := m.flagSet(m.cmd, &verbose)
	if !ok {
		return unknownCommand(m.cmd)
	}
	if err := fs.Parse(args); errors.Is(err, flag.ErrHelp) {
		m.helpFor, m.cmd = m.cmd, "help"
		if implicit {
			m.helpFor = ""
		}
		return nil
	} else if err != nil {
		return usagef("%w; \"batchd %s --help\" lists its flags", err, m.cmd)
	}
	switch {
	case m.cmd == "help":
		if fs.NArg() > 1 {
			return usagef("batchd help takes one command, got %q", fs.Args())
		}
		if fs.NArg() == 1 {
			if _, ok := lookup(fs.Arg(0)); !ok {
				return unknownCommand(fs.Arg(0))
			}
			m.helpFor = fs.Arg(0)
		}
	case m.cmd == "completion":
		if fs.NArg() != 1 || (fs.Arg(0) != "bash" && fs.Arg(0) != "zsh") {
			return usagef("batchd completion needs a shell, bash or zsh: source <(batchd completion bash)")
		}
		m.args = fs.Args()
	case m.cmd == "fetch":
		if fs.NArg() != 2 {
			return usagef("batchd fetch needs URI and DEST: batchd fetch %s", mustLookup("fetch").args)
		}
		m.args = fs.Args()
	case fs.NArg() > 0:
		if m.cmd == "run" && m.configPath == "" && strings.HasSuffix(fs.Arg(0), ".toml") {
			return usagef("unexpected argument %q: to run a config, type \"batchd --config %s\"", fs.Arg(0), fs.Arg(0))
		}
		return usagef("unexpected arguments %q; \"batchd %s --help\" lists its flags", fs.Args(), m.cmd)
	}
	if (m.cmd == "run" || m.cmd == "validate" || m.cmd == "results") && m.configPath == "" {
		return usagef("batchd %s needs --config FILE (the jobs to run are in a config such as cluster.toml; \"batchd --help\" says more)", m.cmd)
	}
	return m.setLogger(verbose)
}

// mustLookup returns the subcommand called name, which must exist.
func mustLookup(name string) command {
	c, _ := lookup(name)
	return c
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
	case "completion":
		return writeCompletion(m.Stdout, m.args[0])
	case "help":
		printHelp(m.Stdout, m.helpFor)
		return nil
	case "version":
		fmt.Fprintln(m.Stdout, "batchd", version)
		return nil
	}
	return unknownCommand(m.cmd)
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
