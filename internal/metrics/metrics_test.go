package metrics

import (
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil"

	"github.com/batchd/batchd/core"
)

// feed calls every hook once or more, so that every metric has a series.
func feed(r *Registry) {
	r.TasksMoved("sums", "", "pending", 3)
	r.TasksMoved("sums", "pending", "running", 1)
	r.TasksMoved("sums", "running", "done", 1)
	r.Offered(2, 1)
	r.Launched("sums")
	r.Launched("sums")
	r.Retried("sums")
	r.Ended("sums", core.TaskFinished, 1500*time.Millisecond)
	r.Ended("sums", core.TaskFailed, 20*time.Millisecond)
	r.Fetched("file", 1000, 2*time.Second, nil)
	r.Fetched("file", 0, time.Second, errors.New("gone"))
	r.Fetched("http", 24, time.Second, nil)
	r.Posted("accepted")
	r.Posted("accepted")
	r.Posted("superseded")
	r.PluginCall("workload", "sum", "plan", 3*time.Millisecond, nil)
	r.PluginCall("fetcher", "http", "fetch", time.Second, errors.New("404"))
}

// TestLint checks every metric's name, help and type with client_golang's
// linter (promlint): units in names, _total on counters, no camelCase...
func TestLint(t *testing.T) {
	r := New()
	feed(r)
	problems, err := testutil.GatherAndLint(r.Gatherer())
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range problems {
		t.Errorf("lint: %s: %s", p.Metric, p.Text)
	}
}

// TestValues checks what each hook adds up to.
func TestValues(t *testing.T) {
	r := New()
	feed(r)
	tests := []struct {
		name string
		got  float64
		want float64
	}{
		{"pending", testutil.ToFloat64(r.tasks.WithLabelValues("sums", "pending")), 2},
		{"running", testutil.ToFloat64(r.tasks.WithLabelValues("sums", "running")), 0},
		{"done", testutil.ToFloat64(r.tasks.WithLabelValues("sums", "done")), 1},
		{"failed", testutil.ToFloat64(r.tasks.WithLabelValues("sums", "failed")), 0},
		{"launches", testutil.ToFloat64(r.launches.WithLabelValues("sums")), 2},
		{"retries", testutil.ToFloat64(r.retries.WithLabelValues("sums")), 1},
		{"offers received", testutil.ToFloat64(r.offersReceived), 2},
		{"offers declined", testutil.ToFloat64(r.offersDeclined), 1},
		{"file bytes", testutil.ToFloat64(r.stagingBytes.WithLabelValues("file")), 1000},
		{"file seconds", testutil.ToFloat64(r.stagingSeconds.WithLabelValues("file")), 3},
		{"file fetches ok", testutil.ToFloat64(r.stagingFetches.WithLabelValues("file", "ok")), 1},
		{"file fetches failed", testutil.ToFloat64(r.stagingFetches.WithLabelValues("file", "error")), 1},
		{"http bytes", testutil.ToFloat64(r.stagingBytes.WithLabelValues("http")), 24},
		{"accepted", testutil.ToFloat64(r.posts.WithLabelValues("accepted")), 2},
		{"superseded", testutil.ToFloat64(r.posts.WithLabelValues("superseded")), 1},
		{"plugin errors", testutil.ToFloat64(r.pluginErrors.WithLabelValues("fetcher", "http", "fetch")), 1},
		{"run time series", float64(testutil.CollectAndCount(r.runTime)), 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.got != tt.want {
				t.Errorf("got %g, want %g", tt.got, tt.want)
			}
		})
	}
}

// TestHandler serves the text format with batchd's, Go's and the
// process's metrics, and histograms with their buckets.
func TestHandler(t *testing.T) {
	r := New()
	feed(r)
	srv := httptest.NewServer(r.Handler())
	defer srv.Close()
	resp, err := http.Get(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/plain") {
		t.Errorf("Content-Type %q, want the text format", ct)
	}
	for _, want := range []string{
		`batchd_tasks{job="sums",state="pending"} 2`,
		`batchd_task_run_duration_seconds_bucket{job="sums",state="finished",le="2.5"} 1`,
		`batchd_task_run_duration_seconds_bucket{job="sums",state="finished",le="1"} 0`,
		`batchd_plugin_call_duration_seconds_count{kind="workload",method="plan",plugin="sum"} 1`,
		"# TYPE batchd_collector_posts_total counter",
		"go_goroutines ",
		"process_start_time_seconds ",
	} {
		if !strings.Contains(string(body), want) {
			t.Errorf("/metrics has no %q", want)
		}
	}
}

// BenchmarkTaskHooks is what one task costs the metrics on the
// scheduler's and runner's paths: a launch, two moves and an end.
func BenchmarkTaskHooks(b *testing.B) {
	r := New()
	r.TasksMoved("sums", "", "pending", b.N)
	b.ResetTimer()
	for range b.N {
		r.TasksMoved("sums", "pending", "running", 1)
		r.Launched("sums")
		r.Ended("sums", core.TaskFinished, time.Second)
		r.TasksMoved("sums", "running", "done", 1)
		r.Posted("accepted")
	}
}
