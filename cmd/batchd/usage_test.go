package main

import (
	"flag"
	"strings"
	"testing"
	"time"
)

// TestHelp checks that --help, -h and help, for batchd and for each of its
// commands, print usage on stdout listing every flag of the command with
// its default, and exit 0.
func TestHelp(t *testing.T) {
	type helpCase struct {
		args []string
		cmd  string // whose flags the help lists
		all  bool   // the help lists every command
	}
	cases := []helpCase{
		{[]string{"--help"}, "run", true},
		{[]string{"-h"}, "run", true},
		{[]string{"-help"}, "run", true},
		{[]string{"help"}, "run", true},
		{[]string{"--config", "x.toml", "--help"}, "run", true},
	}
	for _, c := range commands {
		cases = append(cases,
			helpCase{[]string{c.name, "--help"}, c.name, false},
			helpCase{[]string{c.name, "-h"}, c.name, false})
		if c.name != "help" {
			cases = append(cases, helpCase{[]string{"help", c.name}, c.name, false})
		}
	}
	for _, tt := range cases {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			code, out, errOut := run(t, time.Minute, tt.args...)
			if code != exitOK || errOut != "" {
				t.Fatalf("exit %d, want 0; stderr:\n%s", code, errOut)
			}
			var want []string
			if tt.all {
				for _, c := range commands {
					want = append(want, "batchd "+c.name)
				}
				want[0] = "batchd [run] --config"
			} else {
				c, _ := lookup(tt.cmd)
				want = append(want, "usage: batchd "+tt.cmd, c.about)
			}
			var verbose bool
			fs, _ := (&Main{}).flagSet(tt.cmd, &verbose)
			fs.VisitAll(func(f *flag.Flag) {
				dash := "--"
				if len(f.Name) == 1 {
					dash = "-"
				}
				def := f.DefValue
				if def == "" {
					def = "none"
				}
				want = append(want, "\n  "+dash+f.Name, "(default: "+def+")\n")
			})
			for _, w := range want {
				if !strings.Contains(out, w) {
					t.Errorf("help has no %q:\n%s", w, out)
				}
			}
			if !strings.Contains(out, "\n  -v\n        log debug messages (default: false)\n") {
				t.Errorf("help does not list -v:\n%s", out)
			}
		})
	}
}

// TestUsageErrors checks that an unknown command or flag, or a missing
// argument, exits 2 saying what to type instead.
func TestUsageErrors(t *testing.T) {
	tests := []struct {
		args    []string
		wantErr string
	}{
		{[]string{"valdate"}, `batchd: unknown command "valdate" (did you mean "validate"?); "batchd --help" lists the commands` + "\n"},
		{[]string{"fetchh", "a", "b"}, `batchd: unknown command "fetchh" (did you mean "fetch"?); "batchd --help" lists the commands` + "\n"},
		{[]string{"frobnicate"}, `batchd: unknown command "frobnicate"; "batchd --help" lists the commands` + "\n"},
		{[]string{"cluster.toml"}, `batchd: unknown command "cluster.toml": to run a config, type "batchd --config cluster.toml"` + "\n"},
		{[]string{"run", "cluster.toml"}, `batchd: unexpected argument "cluster.toml": to run a config, type "batchd --config cluster.toml"` + "\n"},
		{[]string{"--bogus"}, `batchd: flag provided but not defined: -bogus; "batchd run --help" lists its flags` + "\n"},
		{[]string{"validate", "--fresh"}, `batchd: flag provided but not defined: -fresh; "batchd validate --help" lists its flags` + "\n"},
		{[]string{"results", "--config"}, `batchd: flag needs an argument: -config; "batchd results --help" lists its flags` + "\n"},
		{[]string{"local-cluster", "--agents", "two"}, `batchd: invalid value "two" for flag -agents: parse error; "batchd local-cluster --help" lists its flags` + "\n"},
		{[]string{"version", "extra"}, `batchd: unexpected arguments ["extra"]; "batchd version --help" lists its flags` + "\n"},
		{[]string{"help", "nope"}, `batchd: unknown command "nope"; "batchd --help" lists the commands` + "\n"},
		{[]string{"fetch", "http://h/x"}, `batchd: batchd fetch needs URI and DEST: batchd fetch [--config cluster.toml] [--plugin-dir D]... URI DEST` + "\n"},
		{nil, `batchd: batchd run needs --config FILE (the jobs to run are in a config such as cluster.toml; "batchd --help" says more)` + "\n"},
		{[]string{"validate"}, `batchd: batchd validate needs --config FILE (the jobs to run are in a config such as cluster.toml; "batchd --help" says more)` + "\n"},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			code, out, errOut := run(t, time.Minute, tt.args...)
			if code != exitUsage {
				t.Errorf("exit %d, want %d", code, exitUsage)
			}
			if errOut != tt.wantErr || out != "" {
				t.Errorf("stderr = %q, want %q; stdout = %q, want nothing", errOut, tt.wantErr, out)
			}
		})
	}
}
