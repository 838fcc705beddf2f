package main

import (
	"fmt"
	"strings"
	"testing"
	"time"
)

// TestConstraintsOnTwoAgents runs jobs with placement constraints on two
// embedded agents with different attributes ([local] attributes) and checks
// from the stored records where each task ran: CLUSTER pins every task to
// the agent of that rack, UNLIKE keeps them off the other, and UNIQUE on
// the rack runs at most one task per rack at a time, so both racks are used.
func TestConstraintsOnTwoAgents(t *testing.T) {
	tests := []struct {
		name        string
		constraints string
		agents      string // the agents (by index) the tasks may run on, as a set
	}{
		{"cluster", `[["rack", "CLUSTER", "b"]]`, "1"},
		{"unlike", `[["rack", "UNLIKE", "b"]]`, "0"},
		{"unique", `[["rack", "UNIQUE"]]`, "0,1"},
		{"like hostname", `[["hostname", "LIKE", ".+"], ["zone", "MAX_PER", "3"]]`, "0,1"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			path := writeConfig(t, fmt.Sprintf(`
[local]
agents = 2
cpus = 2
mem = "1GiB"
attributes = ["rack:a;zone:1", "rack:b;zone:1"]

[state]
dir = %q

[[job]]
name = "placed"
workload = "sum"
cpus = 0.1
mem = "32MiB"
constraints = %s

[job.params]
groups = ["1 2", "3 4", "5 6", "7 8", "9 10", "11 12"]
`, t.TempDir(), tc.constraints))
			code, out, errOut := run(t, 2*time.Minute, "--config", path)
			if code != 0 || !strings.Contains(out, "job placed: 6 tasks finished, total 78") {
				t.Fatalf("exit %d\nstdout:\n%s\nstderr:\n%s", code, out, errOut)
			}
			code, out, errOut = run(t, time.Minute, "results", "--config", path, "--format", "jsonl")
			if code != 0 {
				t.Fatalf("results: exit %d: %s", code, errOut)
			}
			used := map[string]bool{}
			for _, r := range jsonlRows(t, out) {
				i := r.Agent[strings.LastIndex(r.Agent, "-S")+2:]
				if !strings.Contains(","+tc.agents+",", ","+i+",") {
					t.Errorf("task %s ran on agent %s, want one of %s", r.Task, r.Agent, tc.agents)
				}
				used[i] = true
			}
			if tc.name == "unique" && len(used) != 2 {
				t.Errorf("UNIQUE rack used agents %v, want both", used)
			}
		})
	}
}
