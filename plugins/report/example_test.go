package report_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"

	"github.com/batchd/batchd/plugins/report"
)

// A task program posts its result once, at the end. batchd sets the
// collector's URL and the task's token in the environment; here a stand-in
// collector plays batchd's part.
func ExamplePost() {
	collector := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Println(r.Method, r.Header.Get("Authorization"))
	}))
	defer collector.Close()
	os.Setenv(report.EnvCollectorURL, collector.URL)
	os.Setenv(report.EnvTaskToken, "token-of-task-0")
	defer os.Unsetenv(report.EnvCollectorURL)
	defer os.Unsetenv(report.EnvTaskToken)

	type result struct {
		Sum int `json:"sum"`
	}
	if err := report.Post(context.Background(), result{Sum: 6}, "sum of 1 2 3 = 6"); err != nil {
		fmt.Println(err)
	}
	// Output:
	// POST Bearer token-of-task-0
}

// A collector that answers 409 Conflict no longer counts this attempt (it
// was killed, timed out or replaced by a newer one): Post fails at once
// with ErrSuperseded, and the task can exit, its work done elsewhere.
func ExamplePost_superseded() {
	collector := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, `attempt "3.0" is superseded by "3.1"`, http.StatusConflict)
	}))
	defer collector.Close()
	os.Setenv(report.EnvCollectorURL, collector.URL)
	os.Setenv(report.EnvTaskToken, "token-of-task-3")
	defer os.Unsetenv(report.EnvCollectorURL)
	defer os.Unsetenv(report.EnvTaskToken)

	err := report.Post(context.Background(), 6, "sum of 1 2 3 = 6")
	fmt.Println(errors.Is(err, report.ErrSuperseded))
	// Output:
	// true
}
