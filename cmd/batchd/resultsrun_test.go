package main

import (
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
