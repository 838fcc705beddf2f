package main

import (
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"slices"
	"strings"
	"testing"

	"github.com/batchd/batchd/plugins/report"
)

// TestMain lets the tests run main as a real subprocess: re-executed with
// BATCHD_TASK_SUM_RUN_MAIN=1, the test binary is the task program.
func TestMain(m *testing.M) {
	if os.Getenv("BATCHD_TASK_SUM_RUN_MAIN") == "1" {
		main()
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// runMain runs main in a subprocess with args and env added to the environment.
func runMain(t *testing.T, env []string, args ...string) (stdout, stderr string, err error) {
	t.Helper()
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.CommandContext(t.Context(), exe, args...)
	cmd.Env = append(append(os.Environ(), "BATCHD_TASK_SUM_RUN_MAIN=1"), env...)
	var out, errOut strings.Builder
	cmd.Stdout, cmd.Stderr = &out, &errOut
	err = cmd.Run()
	return out.String(), errOut.String(), err
}

func TestTaskProgram(t *testing.T) {
	reports := make(chan report.Body, 1)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != "Bearer tok" {
			http.Error(w, "bad token", http.StatusUnauthorized)
			return
		}
		var rep report.Body
		if err := json.NewDecoder(r.Body).Decode(&rep); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		reports <- rep
	}))
	t.Cleanup(srv.Close)
	env := []string{report.EnvCollectorURL + "=" + srv.URL, report.EnvTaskToken + "=tok", report.EnvTaskID + "=3.0"}

	tests := []struct {
		name       string
		env        []string
		args       []string
		wantStdout string
		wantReport string // output and display; empty: no report
		wantStderr string // non-empty: the program must exit 1 with this in stderr
	}{
		{name: "sums and reports", env: env, args: []string{"1", "2", "3"}, wantStdout: "sum of 1 2 3 = 6\n",
			wantReport: `{"numbers":["1","2","3"],"sum":"6"} sum of 1 2 3 = 6`},
		{name: "bad number", env: env, args: []string{"1", "two"}, wantStderr: `batchd-task-sum: sum task: "two" is not an integer`},
		{name: "no numbers", env: env, wantStderr: "no numbers"},
		{name: "no collector", args: []string{"1"}, wantStdout: "sum of 1 = 1\n",
			env:        []string{report.EnvCollectorURL + "=", report.EnvTaskToken + "="},
			wantStderr: report.EnvCollectorURL + " and " + report.EnvTaskToken + " must be set"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			stdout, stderr, err := runMain(t, tt.env, tt.args...)
			if tt.wantStderr == "" && err != nil {
				t.Fatalf("exit: %v; stderr: %s", err, stderr)
			}
			var exit *exec.ExitError
			if tt.wantStderr != "" && (!errors.As(err, &exit) || exit.ExitCode() != 1 || !strings.Contains(stderr, tt.wantStderr)) {
				t.Fatalf("exit %v, stderr %q; want exit status 1 and %q", err, stderr, tt.wantStderr)
			}
			if stdout != tt.wantStdout {
				t.Errorf("stdout = %q, want %q", stdout, tt.wantStdout)
			}
			select {
			case rep := <-reports:
				if got := string(rep.Output) + " " + rep.Display; got != tt.wantReport {
					t.Errorf("report = %s, want %s", got, tt.wantReport)
				}
			default:
				if tt.wantReport != "" {
					t.Errorf("no report, want %s", tt.wantReport)
				}
			}
		})
	}
}

// TestSmallDependencies keeps the task program small: the standard library
// and batchd's standard-library-only task packages, never gRPC, protobuf
// or go-plugin.
func TestSmallDependencies(t *testing.T) {
	out, err := exec.Command("go", "list", "-deps", "-f", "{{if not .Standard}}{{.ImportPath}}{{end}}", ".").Output()
	if err != nil {
		t.Fatalf("go list -deps: %v", err)
	}
	got := strings.Fields(string(out))
	slices.Sort(got)
	want := []string{
		"github.com/batchd/batchd/cmd/batchd-task-sum",
		"github.com/batchd/batchd/plugins/report",
		"github.com/batchd/batchd/workloads/sum/task",
	}
	if !slices.Equal(got, want) {
		t.Errorf("non-standard dependencies %q, want only %q", got, want)
	}
}
