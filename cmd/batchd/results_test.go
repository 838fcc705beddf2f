package main

import (
	"encoding/csv"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/batchd/batchd/core/state"
)

// jsonlRows parses `batchd results --format jsonl` output, checking that
// every line has exactly the documented keys.
func jsonlRows(t *testing.T, out string) []resultRow {
	t.Helper()
	var rows []resultRow
	for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
		if line == "" {
			continue
		}
		var keys map[string]json.RawMessage
		if err := json.Unmarshal([]byte(line), &keys); err != nil {
			t.Fatalf("line %q: %v", line, err)
		}
		var got []string
		for k := range keys {
			got = append(got, k)
		}
		slices.Sort(got)
		want := slices.Clone(csvColumns)
		slices.Sort(want)
		if !slices.Equal(got, want) {
			t.Errorf("line %q has keys %v, want %v", line, got, want)
		}
		var r resultRow
		if err := json.Unmarshal([]byte(line), &r); err != nil {
			t.Fatalf("line %q: %v", line, err)
		}
		rows = append(rows, r)
	}
	return rows
}

// TestResultsAfterJobs runs a sum job and a job whose task fails, then
// prints their stored records in each format.
func TestResultsAfterJobs(t *testing.T) {
	stateDir := t.TempDir()
	path := writeConfig(t, fmt.Sprintf(`
[state]
dir = %q

[[job]]
name = "sums"
workload = "sum"
cpus = 0.1
mem = "32MiB"
[job.params]
groups = ["1 2 3", "4 5 6", "7 8 9"]

%s`, stateDir, testworkJob("bad", "flaky", 1, 0, fmt.Sprintf("state = %q", t.TempDir()))))
	if code, out, errOut := run(t, 2*time.Minute, "--config", path); code != 1 {
		t.Fatalf("exit %d, want 1 (job bad fails)\nstdout:\n%s\nstderr:\n%s", code, out, tail(errOut))
	}
	results := func(t *testing.T, wantCode int, args ...string) (string, string) {
		t.Helper()
		code, out, errOut := run(t, time.Minute, append([]string{"results", "--config", path}, args...)...)
		if code != wantCode {
			t.Fatalf("batchd results %v: exit %d, want %d\nstdout:\n%s\nstderr:\n%s", args, code, wantCode, out, errOut)
		}
		return out, errOut
	}
	groups := []string{"1 2 3", "4 5 6", "7 8 9"}
	sums := []string{"6", "15", "24"}

	t.Run("jsonl", func(t *testing.T) {
		out, _ := results(t, 0, "--format", "jsonl")
		rows := jsonlRows(t, out)
		if len(rows) != 4 {
			t.Fatalf("%d rows, want 4:\n%s", len(rows), out)
		}
		for i, r := range rows[:3] {
			wantOut := fmt.Sprintf(`{"numbers":%q,"sum":%q}`, strings.Fields(groups[i]), sums[i])
			wantOut = strings.ReplaceAll(wantOut, `" "`, `","`) // %q of a slice separates with spaces
			switch {
			case r.Job != "sums" || r.Task != fmt.Sprint(i): // plan order
				t.Errorf("row %d is job %s task %s, want sums %d", i, r.Job, r.Task, i)
			case r.Label != "" && r.Label != groups[i]: // the sum workload labels its tasks on another branch
				t.Errorf("row %d: label %q, want empty or %q", i, r.Label, groups[i])
			case r.State != state.TaskDone || r.Attempts != 1 || r.Agent == "" || r.Error != "":
				t.Errorf("row %d: state %s, %d attempts, agent %q, error %q; want done, 1, an agent, none", i, r.State, r.Attempts, r.Agent, r.Error)
			case r.Start == nil || r.End == nil || r.End.Before(*r.Start) || time.Since(*r.Start) > time.Hour:
				t.Errorf("row %d: start %v, end %v", i, r.Start, r.End)
			case string(r.Output) != wantOut:
				t.Errorf("row %d: output %s, want %s", i, r.Output, wantOut)
			case r.Display != fmt.Sprintf("sum of %s = %s", groups[i], sums[i]):
				t.Errorf("row %d: display %q", i, r.Display)
			}
		}
		bad := rows[3]
		if bad.Job != "bad" || bad.State != state.TaskFailed || bad.Attempts != 1 || bad.Error == "" ||
			bad.outputText() != "" || bad.End == nil {
			t.Errorf("failed task's row = %+v, want job bad, failed after 1 attempt with an error and no output", bad)
		}
	})

	t.Run("csv", func(t *testing.T) {
		out, _ := results(t, 0, "--format", "csv")
		recs, err := csv.NewReader(strings.NewReader(out)).ReadAll()
		if err != nil {
			t.Fatalf("%v:\n%s", err, out)
		}
		if len(recs) != 5 || !slices.Equal(recs[0], csvColumns) {
			t.Fatalf("want the header and 4 records:\n%s", out)
		}
		col := func(rec []string, name string) string { return rec[slices.Index(csvColumns, name)] }
		for i, rec := range recs[1:4] {
			if col(rec, "task") != fmt.Sprint(i) || col(rec, "state") != "done" || col(rec, "attempts") != "1" ||
				!strings.HasSuffix(col(rec, "output"), `"sum":"`+sums[i]+`"}`) || col(rec, "start") == "" {
				t.Errorf("record %d = %q", i, rec)
			}
		}
		if rec := recs[4]; col(rec, "job") != "bad" || col(rec, "state") != "failed" || col(rec, "error") == "" || col(rec, "output") != "" {
			t.Errorf("failed task's record = %q", rec)
		}
	})

	t.Run("table", func(t *testing.T) {
		out, _ := results(t, 0) // the default format
		for _, want := range []string{
			"sum of 4 5 6 = 15", `{"numbers":["7","8","9"],"sum":"24"}`,
			"job sums: done, 3 of 3 tasks done, 0 failed\n",
			"job bad: failed, 0 of 1 tasks done, 1 failed\n",
		} {
			if !strings.Contains(out, want) {
				t.Errorf("table has no %q:\n%s", want, out)
			}
		}
		if lines := strings.Split(strings.TrimSpace(out), "\n"); !strings.HasPrefix(lines[len(lines)-1], "job bad: ") {
			t.Errorf("a job's summary is not its last line:\n%s", out)
		}
	})

	t.Run("one job", func(t *testing.T) {
		out, _ := results(t, 0, "--job", "sums", "--format", "jsonl")
		rows := jsonlRows(t, out)
		if len(rows) != 3 || slices.ContainsFunc(rows, func(r resultRow) bool { return r.Job != "sums" }) {
			t.Errorf("--job sums printed:\n%s", out)
		}
	})

	t.Run("config without jobs prints every stored job", func(t *testing.T) {
		bare := writeConfig(t, fmt.Sprintf("[state]\ndir = %q\n", stateDir))
		code, out, errOut := run(t, time.Minute, "results", "--config", bare, "--format", "jsonl")
		if rows := jsonlRows(t, out); code != 0 || len(rows) != 4 || rows[0].Job != "bad" || rows[1].Job != "sums" {
			t.Errorf("exit %d\nstdout:\n%s\nstderr:\n%s", code, out, errOut)
		}
	})

	t.Run("unknown job names the stored ones", func(t *testing.T) {
		_, errOut := results(t, 2, "--job", "nosuch")
		if !strings.Contains(errOut, `"nosuch"`) || !strings.Contains(errOut, "it has: bad, sums") {
			t.Errorf("stderr:\n%s", errOut)
		}
	})

	t.Run("unknown format", func(t *testing.T) {
		if _, errOut := results(t, 2, "--format", "xml"); !strings.Contains(errOut, `"xml"`) {
			t.Errorf("stderr:\n%s", errOut)
		}
	})

	t.Run("no store yet", func(t *testing.T) {
		other := writeConfig(t, fmt.Sprintf("[state]\ndir = %q\n%s", t.TempDir(), testworkJob("x", "ok", 1, 0, "")))
		code, _, errOut := run(t, time.Minute, "results", "--config", other)
		if code != 1 || !strings.Contains(errOut, "no state store at") || !strings.Contains(errOut, "no job has run with this config") {
			t.Errorf("exit %d\nstderr:\n%s", code, errOut)
		}
	})
}
