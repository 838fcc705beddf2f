package main

import (
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"strings"
	"testing"

	"github.com/batchd/batchd/plugins/workload"
)

// TestMain lets the tests run this binary's main as a real subprocess:
// re-executed with BATCHD_SUM_RUN_MAIN=1, the test binary is the plugin.
func TestMain(m *testing.M) {
	if os.Getenv("BATCHD_SUM_RUN_MAIN") == "1" {
		main()
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// runMain runs main in a subprocess with args and the collector env.
func runMain(t *testing.T, collectorURL string, args ...string) (stdout, stderr string, err error) {
	t.Helper()
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.CommandContext(t.Context(), exe, args...)
	cmd.Env = append(os.Environ(),
		"BATCHD_SUM_RUN_MAIN=1",
		workload.EnvCollectorURL+"="+collectorURL,
		workload.EnvTaskToken+"=tok",
		workload.EnvTaskID+"=3.0",
	)
	var out, errOut strings.Builder
	cmd.Stdout, cmd.Stderr = &out, &errOut
	err = cmd.Run()
	return out.String(), errOut.String(), err
}

func TestTaskMode(t *testing.T) {
	reports := make(chan workload.TaskReport, 1)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != "Bearer tok" {
			http.Error(w, "bad token", http.StatusUnauthorized)
			return
		}
		var rep workload.TaskReport
		if err := json.NewDecoder(r.Body).Decode(&rep); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		reports <- rep
	}))
	t.Cleanup(srv.Close)

	t.Run("sums and reports", func(t *testing.T) {
		stdout, stderr, err := runMain(t, srv.URL, "task", "1", "2", "3")
		if err != nil {
			t.Fatalf("task mode: %v; stderr: %s", err, stderr)
		}
		if stdout != "sum of 1 2 3 = 6\n" {
			t.Errorf("stdout = %q", stdout)
		}
		rep := <-reports
		if rep.Display != "sum of 1 2 3 = 6" || string(rep.Output) != `{"numbers":["1","2","3"],"sum":"6"}` {
			t.Errorf("report = %s %q", rep.Output, rep.Display)
		}
	})
	t.Run("bad number exits non-zero", func(t *testing.T) {
		_, stderr, err := runMain(t, srv.URL, "task", "1", "two")
		var exit *exec.ExitError
		if !errors.As(err, &exit) || exit.ExitCode() == 0 {
			t.Fatalf("task mode error = %v, want a non-zero exit", err)
		}
		if !strings.Contains(stderr, `"two" is not an integer`) {
			t.Errorf("stderr = %q", stderr)
		}
		select {
		case rep := <-reports:
			t.Errorf("collector got %+v", rep)
		default:
		}
	})
}
