package main

import (
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
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

// TestResultsDuringRun prints results while a batchd process runs a job
// whose tasks wait (read through its state API), then after it ends, or
// after it is killed with SIGKILL (read from the store it left).
func TestResultsDuringRun(t *testing.T) {
	tests := []struct {
		name string
		stop func(t *testing.T, b *batchdProcess, release func())
		// wantState is every task's state in the store afterwards.
		wantState state.TaskState
	}{
		{
			name: "job ends",
			stop: func(t *testing.T, b *batchdProcess, release func()) {
				release()
				if code := b.wait(t, 2*time.Minute); code != 0 {
					t.Fatalf("batchd exit %d\nstderr:\n%s", code, tail(b.stderr.String()))
				}
			},
			wantState: state.TaskDone,
		},
		{
			name: "SIGKILL",
			stop: func(t *testing.T, b *batchdProcess, _ func()) {
				b.cmd.Process.Kill()
				if code := b.wait(t, time.Minute); code != -1 {
					t.Fatalf("exit %d, want death by SIGKILL", code)
				}
			},
			wantState: state.TaskRunning, // as the store last saw them
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			const n = 3
			stateDir, waitDir := t.TempDir(), t.TempDir()
			path := writeConfig(t, fmt.Sprintf("[state]\ndir = %q\n\n[local]\ncpus = 4\nmem = \"1GiB\"\n\n%s",
				stateDir, testworkJob("wait", "wait", n, 0, fmt.Sprintf("state = %q", waitDir))))
			b := startBatchdProcess(t, "--config", path)

			// While it runs: every task shows as running, read through batchd.
			var out, errOut string
			if !poll(2*time.Minute, func() bool {
				if b.exited() {
					t.Fatalf("batchd exited\nstderr:\n%s", tail(b.stderr.String()))
				}
				var code int
				code, out, errOut = run(t, time.Minute, "results", "-v", "--config", path, "--format", "jsonl")
				if code != 0 {
					return false
				}
				rows := jsonlRows(t, out)
				return len(rows) == n && !slices.ContainsFunc(rows, func(r resultRow) bool {
					return r.State != state.TaskRunning || r.Attempts != 1 || r.Start == nil || r.End != nil || r.outputText() != ""
				})
			}) {
				t.Fatalf("results never showed %d running tasks; last:\n%s\nstderr:\n%s", n, out, tail(errOut))
			}
			if !strings.Contains(errOut, "reading through its state API") {
				t.Errorf("results did not read through the running batchd:\n%s", errOut)
			}
			if _, err := state.Open(stateDir, state.Options{ReadOnly: true, LockTimeout: 50 * time.Millisecond}); !errors.Is(err, state.ErrLocked) {
				t.Errorf("opening the store while batchd runs: err = %v, want ErrLocked", err)
			}
			for _, f := range []struct{ format, want string }{
				{"table", "job wait: running, 0 of 3 tasks done, 0 failed\n"},
				{"csv", "wait,2,,running,1,"},
			} {
				if code, out, errOut := run(t, time.Minute, "results", "--config", path, "--format", f.format); code != 0 || !strings.Contains(out, f.want) {
					t.Errorf("results --format %s: exit %d, stdout without %q:\n%s\nstderr:\n%s", f.format, code, f.want, out, errOut)
				}
			}
			apiPath := filepath.Join(stateDir, apiFileName)
			wantAPIRefusesStrangers(t, apiPath)

			tt.stop(t, b, func() {
				if err := os.WriteFile(filepath.Join(waitDir, "release"), nil, 0o644); err != nil {
					t.Fatal(err)
				}
			})
			// A clean exit removes the api file; SIGKILL leaves it, stale.
			_, err := os.Stat(apiPath)
			if killed := tt.wantState == state.TaskRunning; killed != (err == nil) {
				t.Errorf("after %s: api file: %v", tt.name, err)
			}

			code, out, errOut := run(t, time.Minute, "results", "-v", "--config", path, "--format", "jsonl")
			if code != 0 || !strings.Contains(errOut, "reading the state store") {
				t.Fatalf("results after the run: exit %d, want 0 reading the store directly\nstderr:\n%s", code, errOut)
			}
			rows := jsonlRows(t, out)
			if len(rows) != n {
				t.Fatalf("%d rows, want %d:\n%s", len(rows), n, out)
			}
			for i, r := range rows {
				if r.Task != fmt.Sprint(i) || r.State != tt.wantState || r.Attempts != 1 {
					t.Errorf("row %d: task %s, %s, %d attempts; want %d, %s, 1", i, r.Task, r.State, r.Attempts, i, tt.wantState)
				}
				if tt.wantState == state.TaskDone && (string(r.Output) != fmt.Sprintf(`{"n":"%d"}`, i) || r.Display != fmt.Sprintf("testwork %d done", i)) {
					t.Errorf("row %d: output %s, display %q", i, r.Output, r.Display)
				}
			}
		})
	}
}

// wantAPIRefusesStrangers checks the state API published in apiPath is
// private to its owner and refuses a request without its token.
func wantAPIRefusesStrangers(t *testing.T, apiPath string) {
	t.Helper()
	fi, err := os.Stat(apiPath)
	if err != nil {
		t.Fatalf("no api file while batchd runs: %v", err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Errorf("api file mode %v, want 0600", fi.Mode().Perm())
	}
	raw, err := os.ReadFile(apiPath)
	if err != nil {
		t.Fatal(err)
	}
	var f apiFile
	if err := json.Unmarshal(raw, &f); err != nil || !strings.HasPrefix(f.URL, "http://127.0.0.1:") || len(f.Token) != 64 {
		t.Fatalf("api file %s = %s (%v)", apiPath, raw, err)
	}
	for _, token := range []string{"", strings.Repeat("0", 64)} {
		req, _ := http.NewRequest(http.MethodGet, f.URL+"/v1/state/results?job=wait", nil)
		if token != "" {
			req.Header.Set("Authorization", "Bearer "+token)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusUnauthorized {
			t.Errorf("token %q: status %d, want 401", token, resp.StatusCode)
		}
	}
}
