package main

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/batchd/batchd/core/state"
)

// wantStderr is what batchd keeps of a testwork "stderr" task's stderr: the
// last 20 of its 32 lines, control characters escaped.
func wantStderr(task string) string {
	var lines []string
	for k := 13; k <= 30; k++ {
		lines = append(lines, fmt.Sprintf("stderr line %d of task %s", k, task))
	}
	lines = append(lines, `colour \x1b[31mred\x1b[0m`, "testwork: failing with stderr on purpose")
	return strings.Join(lines, "\n")
}

// TestFailedAttemptStderr runs a task that writes to stderr and fails
// twice on the embedded cluster: each attempt's record keeps the end of its
// stderr, read from the agent, `batchd results` shows the last one, and the
// job's error quotes it.
func TestFailedAttemptStderr(t *testing.T) {
	stateDir := t.TempDir()
	path := writeConfig(t, fmt.Sprintf("[state]\ndir = %q\n\n%s", stateDir, testworkJob("errs", "stderr", 1, 1, "")))
	code, out, errOut := run(t, 2*time.Minute, "--config", path)
	if code != 1 {
		t.Fatalf("exit %d, want 1\nstdout:\n%s\nstderr:\n%s", code, out, tail(errOut))
	}
	want := wantStderr("0")
	if !strings.Contains(errOut, "its stderr ends:\n"+want) {
		t.Errorf("the job's error does not end with the task's stderr:\n%s", tail(errOut))
	}

	code, out, errOut = run(t, time.Minute, "results", "--config", path, "--format", "jsonl")
	if code != 0 {
		t.Fatalf("results: exit %d\n%s", code, errOut)
	}
	rows := jsonlRows(t, out)
	if len(rows) != 1 || rows[0].State != state.TaskFailed || rows[0].Attempts != 2 {
		t.Fatalf("rows %+v, want one failed task with 2 attempts", rows)
	}
	if rows[0].Stderr != want {
		t.Errorf("results' stderr:\n%s\nwant:\n%s", rows[0].Stderr, want)
	}

	s, err := state.Open(stateDir, state.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	_, err = s.Tasks("errs", 0, 0, func(tk state.Task) error {
		for _, a := range tk.Attempts {
			if a.State != "TASK_FAILED" || a.Stderr != want {
				t.Errorf("attempt %d: state %s, stderr:\n%s\nwant TASK_FAILED and:\n%s", a.N, a.State, a.Stderr, want)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}
