package task

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/batchd/batchd/plugins/report"
)

// collector is a stand-in for batchd's collector: it checks the bearer
// token and records the reports it accepts.
type collector struct {
	reports chan report.Body
	status  int // answer to a good post; 0 means 200
}

func (c *collector) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost || r.URL.Path != "/results" {
		http.Error(w, "wrong endpoint", http.StatusNotFound)
		return
	}
	if got := r.Header.Get("Authorization"); got != "Bearer tok-42" {
		http.Error(w, "bad token", http.StatusUnauthorized)
		return
	}
	var rep report.Body
	if err := json.NewDecoder(r.Body).Decode(&rep); err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	if c.status != 0 {
		http.Error(w, "refused", c.status)
		return
	}
	c.reports <- rep
}

func startCollector(t *testing.T, status int) *collector {
	t.Helper()
	c := &collector{reports: make(chan report.Body, 1), status: status}
	srv := httptest.NewServer(c)
	t.Cleanup(srv.Close)
	t.Setenv(report.EnvCollectorURL, srv.URL+"/results")
	t.Setenv(report.EnvTaskToken, "tok-42")
	t.Setenv(report.EnvTaskID, "0.1")
	return c
}

func TestRun(t *testing.T) {
	const huge = "340282366920938463463374607431768211456" // 2^128
	tests := []struct {
		name       string
		args       []string
		wantLine   string
		wantOutput string
	}{
		{"one two three", []string{"1", "2", "3"}, "sum of 1 2 3 = 6",
			`{"numbers":["1","2","3"],"sum":"6"}`},
		{"normalised signs", []string{"+10", "-3", "007"}, "sum of 10 -3 7 = 14",
			`{"numbers":["10","-3","7"],"sum":"14"}`},
		{"beyond int64", []string{huge, huge, "-1"}, "sum of " + huge + " " + huge + " -1 = 680564733841876926926749214863536422911",
			`{"numbers":["` + huge + `","` + huge + `","-1"],"sum":"680564733841876926926749214863536422911"}`},
		{"group in one argument", []string{"4 5  6"}, "sum of 4 5 6 = 15",
			`{"numbers":["4","5","6"],"sum":"15"}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := startCollector(t, 0)
			var stdout bytes.Buffer
			if err := Run(context.Background(), tt.args, &stdout); err != nil {
				t.Fatalf("Run: %v", err)
			}
			if got := stdout.String(); got != tt.wantLine+"\n" {
				t.Errorf("stdout = %q, want %q", got, tt.wantLine+"\n")
			}
			rep := <-c.reports
			if rep.Display != tt.wantLine {
				t.Errorf("display = %q, want %q", rep.Display, tt.wantLine)
			}
			if string(rep.Output) != tt.wantOutput {
				t.Errorf("output = %s, want %s", rep.Output, tt.wantOutput)
			}
		})
	}
}

func TestRunErrors(t *testing.T) {
	tests := []struct {
		name    string
		args    []string
		status  int
		noEnv   bool
		wantErr string
	}{
		{"not an integer", []string{"1", "x"}, 0, false, `"x" is not an integer`},
		{"no numbers", nil, 0, false, "no numbers"},
		{"collector refuses", []string{"1"}, http.StatusConflict, false, "409"},
		{"no collector", []string{"1"}, 0, true, "BATCHD_COLLECTOR_URL"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := startCollector(t, tt.status)
			if tt.noEnv {
				t.Setenv(report.EnvCollectorURL, "")
			}
			var stdout bytes.Buffer
			err := Run(context.Background(), tt.args, &stdout)
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("Run error = %v, want one containing %q", err, tt.wantErr)
			}
			if tt.noEnv && !errors.Is(err, report.ErrNoCollector) {
				t.Errorf("Run error = %v, want report.ErrNoCollector", err)
			}
			select {
			case rep := <-c.reports:
				t.Errorf("collector accepted %+v", rep)
			default:
			}
		})
	}
}
