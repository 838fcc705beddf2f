package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus/testutil/promlint"
	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
)

// scrape is one scrape of /metrics, by metric family.
type scrape map[string]*dto.MetricFamily

// scrapeMetrics gets and parses base+"/metrics".
func scrapeMetrics(t *testing.T, base string) scrape {
	t.Helper()
	resp, err := http.Get(base + "/metrics")
	if err != nil {
		t.Fatalf("scraping %s/metrics: %v", base, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/plain") {
		t.Fatalf("scraping %s/metrics: %s, Content-Type %q", base, resp.Status, resp.Header.Get("Content-Type"))
	}
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("scraping %s/metrics: %v", base, err)
	}
	// What a real run exposes passes Prometheus's linter, labels and all.
	problems, err := promlint.New(bytes.NewReader(body)).Lint()
	if err != nil {
		t.Fatalf("linting %s/metrics: %v", base, err)
	}
	for _, p := range problems {
		t.Errorf("lint: %s: %s", p.Metric, p.Text)
	}
	p := expfmt.NewTextParser(model.UTF8Validation)
	fams, err := p.TextToMetricFamilies(bytes.NewReader(body))
	if err != nil {
		t.Fatalf("parsing %s/metrics: %v", base, err)
	}
	return fams
}

// value sums the series of family name whose labels include the given
// name/value pairs: a counter's or gauge's value, a histogram's count.
// ok is false when no series matches.
func (s scrape) value(name string, labels ...string) (v float64, ok bool) {
	fam := s[name]
	if fam == nil {
		return 0, false
	}
	for _, m := range fam.GetMetric() {
		match := true
		for i := 0; i+1 < len(labels); i += 2 {
			found := false
			for _, lp := range m.GetLabel() {
				if lp.GetName() == labels[i] && lp.GetValue() == labels[i+1] {
					found = true
				}
			}
			match = match && found
		}
		if !match {
			continue
		}
		ok = true
		switch {
		case m.Counter != nil:
			v += m.Counter.GetValue()
		case m.Gauge != nil:
			v += m.Gauge.GetValue()
		case m.Histogram != nil:
			v += float64(m.Histogram.GetSampleCount())
		}
	}
	return v, ok
}

// metricWant is a value a scrape must show.
type metricWant struct {
	name   string
	labels []string
	want   float64
	// atLeast accepts want or more (counts that depend on timing, such as offers).
	atLeast bool
}

func (w metricWant) String() string { return fmt.Sprintf("%s%v", w.name, w.labels) }

// check reports every want the scrape does not meet.
func (s scrape) check(t *testing.T, when string, wants []metricWant) {
	t.Helper()
	for _, w := range wants {
		got, ok := s.value(w.name, w.labels...)
		switch {
		case !ok:
			t.Errorf("%s: no series %s", when, w)
		case w.atLeast && got < w.want:
			t.Errorf("%s: %s = %g, want at least %g", when, w, got, w.want)
		case !w.atLeast && got != w.want:
			t.Errorf("%s: %s = %g, want %g", when, w, got, w.want)
		}
	}
}

// TestMetricsDuringAndAfterRun runs three jobs on the embedded cluster: a
// sum job, a testwork job whose tasks fail once, and one whose tasks wait
// for a file. It scrapes /metrics while the waiting tasks run (the other
// jobs done), then once every job has ended, and checks the values.
func TestMetricsDuringAndAfterRun(t *testing.T) {
	const waiting = 3
	stateDir, waitDir, flakyDir := t.TempDir(), t.TempDir(), t.TempDir()
	path := writeConfig(t, fmt.Sprintf("[state]\ndir = %q\n\n[local]\ncpus = 4\nmem = \"2GiB\"\n\n%s\n%s\n%s",
		stateDir,
		sumJob("sums", "1 2 3", "4 5 6", "7 8 9"),
		testworkJob("flaky", "flaky", 2, 1, fmt.Sprintf("state = %q", flakyDir)),
		testworkJob("wait", "wait", waiting, 0, fmt.Sprintf("state = %q", waitDir))))

	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	var stdout, stderr syncBuffer
	m := NewMain(&stdout, &stderr)
	exit := make(chan int, 1)
	go func() { exit <- m.Main(ctx, []string{"--config", path}) }()
	ended := false
	defer func() {
		if !ended {
			cancel()
			<-exit
		}
		if err := m.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	}()

	// batchd publishes its server's address in the state folder's api file.
	var base string
	if !poll(time.Minute, func() bool {
		raw, err := os.ReadFile(filepath.Join(stateDir, apiFileName))
		var api apiFile
		if err != nil || json.Unmarshal(raw, &api) != nil {
			return false
		}
		base = api.URL
		return true
	}) {
		t.Fatalf("batchd never published its address\nstderr:\n%s", tail(stderr.String()))
	}

	// During the run: the waiting tasks run, the other jobs are done.
	var during scrape
	if !poll(2*time.Minute, func() bool {
		during = scrapeMetrics(t, base)
		running, _ := during.value("batchd_tasks", "job", "wait", "state", "running")
		sums, _ := during.value("batchd_tasks", "job", "sums", "state", "done")
		flaky, _ := during.value("batchd_tasks", "job", "flaky", "state", "done")
		reduced, _ := during.value("batchd_plugin_call_duration_seconds", "plugin", "testwork", "method", "reduce")
		return running == waiting && sums == 3 && flaky == 2 && reduced == 1
	}) {
		v, _ := during.value("batchd_tasks", "job", "wait", "state", "running")
		t.Fatalf("never saw %d waiting tasks running and the other jobs done (running %g)\nstdout:\n%s\nstderr:\n%s",
			waiting, v, stdout.String(), tail(stderr.String()))
	}
	during.check(t, "during the run", []metricWant{
		{name: "batchd_tasks", labels: []string{"job", "wait", "state", "pending"}, want: 0},
		{name: "batchd_tasks", labels: []string{"job", "wait", "state", "done"}, want: 0},
		{name: "batchd_tasks", labels: []string{"job", "sums", "state", "running"}, want: 0},
		{name: "batchd_tasks", labels: []string{"job", "flaky", "state", "failed"}, want: 0},
		{name: "batchd_task_launches_total", labels: []string{"job", "sums"}, want: 3},
		{name: "batchd_task_launches_total", labels: []string{"job", "wait"}, want: waiting},
		{name: "batchd_task_launches_total", labels: []string{"job", "flaky"}, want: 4},
		{name: "batchd_task_retries_total", labels: []string{"job", "flaky"}, want: 2},
		{name: "batchd_task_run_duration_seconds", labels: []string{"job", "sums", "state", "finished"}, want: 3},
		{name: "batchd_task_run_duration_seconds", labels: []string{"job", "flaky", "state", "failed"}, want: 2},
		{name: "batchd_task_run_duration_seconds", labels: []string{"job", "flaky", "state", "finished"}, want: 2},
		{name: "batchd_collector_posts_total", labels: []string{"outcome", "accepted"}, want: 5},
		{name: "batchd_offers_received_total", want: 1, atLeast: true},
		{name: "batchd_offers_declined_total", want: 0, atLeast: true},
		{name: "batchd_staging_fetched_bytes_total", labels: []string{"scheme", "file"}, want: 1, atLeast: true},
		{name: "batchd_staging_fetches_total", labels: []string{"scheme", "file", "outcome", "ok"}, want: 2, atLeast: true},
		{name: "batchd_staging_fetch_seconds_total", labels: []string{"scheme", "file"}, want: 0, atLeast: true},
		{name: "batchd_plugin_call_duration_seconds", labels: []string{"kind", "workload", "plugin", "sum", "method", "plan"}, want: 1},
		{name: "batchd_plugin_call_duration_seconds", labels: []string{"kind", "workload", "plugin", "sum", "method", "reduce"}, want: 1},
		{name: "batchd_plugin_call_duration_seconds", labels: []string{"kind", "fetcher", "plugin", "file", "method", "fetch"}, want: 2, atLeast: true},
		{name: "go_goroutines", want: 1, atLeast: true},
		{name: "process_resident_memory_bytes", want: 1, atLeast: true},
	})

	if err := os.WriteFile(filepath.Join(waitDir, "release"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	var code int
	select {
	case code = <-exit:
		ended = true
	case <-ctx.Done():
		t.Fatalf("batchd did not finish\nstderr:\n%s", tail(stderr.String()))
	}
	if code != 0 {
		t.Fatalf("exit %d\nstdout:\n%s\nstderr:\n%s", code, stdout.String(), tail(stderr.String()))
	}
	// After the run, until Close: every task is done, each posted once.
	after := scrapeMetrics(t, base)
	after.check(t, "after the run", []metricWant{
		{name: "batchd_tasks", labels: []string{"job", "wait", "state", "done"}, want: waiting},
		{name: "batchd_tasks", labels: []string{"job", "wait", "state", "running"}, want: 0},
		{name: "batchd_tasks", labels: []string{"state", "done"}, want: 3 + 2 + waiting},
		{name: "batchd_tasks", labels: []string{"state", "pending"}, want: 0},
		{name: "batchd_tasks", labels: []string{"state", "failed"}, want: 0},
		{name: "batchd_task_launches_total", want: 3 + 4 + waiting},
		{name: "batchd_task_retries_total", want: 2},
		{name: "batchd_collector_posts_total", labels: []string{"outcome", "accepted"}, want: 3 + 2 + waiting},
		{name: "batchd_collector_posts_total", want: 3 + 2 + waiting}, // no refusals
		{name: "batchd_task_run_duration_seconds", labels: []string{"job", "wait", "state", "finished"}, want: waiting},
		{name: "batchd_plugin_call_duration_seconds", labels: []string{"plugin", "testwork", "method", "reduce"}, want: 2},
	})
}
