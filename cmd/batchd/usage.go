package main

import (
	"flag"
	"fmt"
	"io"
	"strings"

	"github.com/batchd/batchd/config"
)

// command is one subcommand as the help lists it.
type command struct {
	name  string
	args  string // the synopsis after the name
	about string
}

// commands lists batchd's subcommands in the order the help shows them;
// run is the default.
var commands = []command{
	{"run", "--config cluster.toml [--fresh]", "run the config's jobs (resuming unfinished ones), then exit; the default command"},
	{"validate", "--config cluster.toml", "check a config and its plugins; run nothing"},
	{"results", "--config cluster.toml [--job NAME] [--format jsonl|csv|table]", "print every task's stored record (also while a run goes on)"},
	{"plugins", "[--config cluster.toml] [--plugin-dir D]...", "list the plugins found"},
	{"fetch", "[--config cluster.toml] [--plugin-dir D]... URI DEST", "fetch one URI with the fetcher plugins, as staging does"},
	{"local-cluster", "[--config cluster.toml] [--listen 127.0.0.1:5050] [--agents N] [--work-dir D] [--attributes A]... [--credentials FILE]", "run the embedded Mesos-API cluster alone"},
	{"completion", "bash|zsh", "print a shell completion script: source <(batchd completion bash)"},
	{"version", "", "print batchd's version"},
	{"help", "[COMMAND]", "print this help, or one command's flags"},
}

// lookup returns the subcommand called name.
func lookup(name string) (command, bool) {
	for _, c := range commands {
		if c.name == name {
			return c, true
		}
	}
	return command{}, false
}

// flagSet returns the flags of subcommand cmd, bound to m's fields; false
// for an unknown command. Its errors and usage are batchd's to print.
func (m *Main) flagSet(cmd string, verbose *bool) (*flag.FlagSet, bool) {
	fs := flag.NewFlagSet("batchd "+cmd, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.Usage = func() {}
	fs.BoolVar(verbose, "v", false, "log debug messages")
	fs.BoolVar(verbose, "verbose", false, "log debug messages (as -v)")
	fs.BoolVar(&m.quiet, "quiet", false, "log only warnings and errors, and show no progress; results still go to stdout")
	fs.StringVar(&m.logFormat, "log-format", "text", "`FORMAT` of the log lines on stderr: text or json")
	switch cmd {
	case "run":
		fs.StringVar(&m.configPath, "config", "", "the `FILE` of jobs, such as cluster.toml; required")
		fs.BoolVar(&m.fresh, "fresh", false, "discard the jobs' stored state and start them over")
	case "validate":
		fs.StringVar(&m.configPath, "config", "", "the `FILE` of jobs, such as cluster.toml; required")
	case "results":
		fs.StringVar(&m.configPath, "config", "", "the `FILE` of jobs, for its [state] dir and jobs; required")
		fs.StringVar(&m.job, "job", "", "print only the job called `NAME`")
		fs.StringVar(&m.format, "format", "table", "`FORMAT` to print in: jsonl, csv or table")
	case "plugins", "fetch":
		fs.StringVar(&m.configPath, "config", "", "a cluster.toml `FILE`, for its plugin folders and fetcher settings")
		fs.Var(&m.extraDirs, "plugin-dir", "a plugin folder `DIR` to search first (repeatable)")
	case "local-cluster":
		fs.StringVar(&m.configPath, "config", "", "a cluster.toml `FILE`, for its [local] table")
		fs.StringVar(&m.listen, "listen", "127.0.0.1:5050", "`ADDR`ess to serve the Mesos v1 API on")
		fs.IntVar(&m.agents, "agents", 0, "`N`umber of agents; 0: [local] agents, or 1")
		fs.StringVar(&m.workDir, "work-dir", "", "folder `DIR` for sandboxes; none: a temporary folder")
		fs.Var(&m.attributes, "attributes", "the next agent's `ATTRIBUTES` as the Mesos agent's flag (\"rack:a;zone:2\"), repeated per agent; none: [local] attributes")
		fs.StringVar(&m.credsFile, "credentials", "", "Mesos credentials `FILE` (JSON {\"credentials\":[...]} or \"principal secret\" lines): require HTTP basic auth")
	case "version", "help", "completion":
	default:
		return nil, false
	}
	return fs, true
}

// printHelp writes batchd's help to w: every command, then the flags of
// cmd ("" for the default command, run) with their defaults.
func printHelp(w io.Writer, cmd string) {
	if cmd == "" {
		fmt.Fprint(w, "batchd runs batch jobs on Apache Mesos, or on its embedded single-machine cluster.\n\nusage:\n")
		for _, c := range commands {
			name := c.name
			if name == "run" {
				name = "[run]"
			}
			fmt.Fprintf(w, "  %s\n        %s\n", strings.TrimSpace("batchd "+name+" "+c.args), c.about)
		}
		fmt.Fprint(w, "\nflags of run, the default command:\n")
		printFlags(w, "run")
		fmt.Fprint(w, "\n\"batchd help COMMAND\" or \"batchd COMMAND --help\" lists a command's flags.\n")
		return
	}
	c, _ := lookup(cmd)
	fmt.Fprintf(w, "usage: %s\n  %s\n\nflags:\n", strings.TrimSpace("batchd "+c.name+" "+c.args), c.about)
	printFlags(w, cmd)
}

// printFlags lists every flag of cmd with its default.
func printFlags(w io.Writer, cmd string) {
	var verbose bool
	fs, _ := (&Main{}).flagSet(cmd, &verbose)
	fs.VisitAll(func(f *flag.Flag) {
		value, usage := flag.UnquoteUsage(f)
		dash := "--"
		if len(f.Name) == 1 {
			dash = "-"
		}
		def := f.DefValue
		if def == "" {
			def = "none"
		}
		name := strings.TrimSpace(dash + f.Name + " " + value)
		fmt.Fprintf(w, "  %s\n        %s (default: %s)\n", name, usage, def)
	})
}

// unknownCommand says what to type instead of name.
func unknownCommand(name string) error {
	if strings.HasSuffix(name, ".toml") {
		return usagef("unknown command %q: to run a config, type \"batchd --config %s\"", name, name)
	}
	names := make([]string, len(commands))
	for i, c := range commands {
		names[i] = c.name
	}
	if best := config.Closest(name, names); best != "" {
		return usagef("unknown command %q (did you mean %q?); \"batchd --help\" lists the commands", name, best)
	}
	return usagef("unknown command %q; \"batchd --help\" lists the commands", name)
}
