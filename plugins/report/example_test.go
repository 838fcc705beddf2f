package report_test

import (
	"context"
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
