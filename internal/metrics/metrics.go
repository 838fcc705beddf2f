// Package metrics holds batchd's Prometheus metrics and serves them at
// /metrics in the Prometheus text format.
//
// A Registry is made once per run by cmd/batchd, which hands its methods to
// the hooks the core packages offer (sched.Observer, the job runner's
// OnTasks, the staging store's OnFetch, the collector's OnPost and the
// plugin host's OnCall): the core packages import neither this package nor
// Prometheus. The metrics live in a registry of their own (not Prometheus's
// global one) beside the Go runtime and process collectors.
package metrics

import (
	"net/http"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Task states as the tasks gauge labels them (the state store's names).
var taskStates = []string{"pending", "running", "done", "failed"}

// Buckets of the histograms, in seconds: tasks run from milliseconds to
// hours; plugin calls from a millisecond (describe) to minutes (a large fetch).
var (
	runBuckets  = []float64{0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1800, 3600, 7200}
	callBuckets = []float64{0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300}
)

// Registry is batchd's metrics. Its methods are safe for concurrent use
// and quick: they may be called on the scheduler's goroutine and under locks.
type Registry struct {
	reg *prometheus.Registry

	tasks          *prometheus.GaugeVec
	launches       *prometheus.CounterVec
	retries        *prometheus.CounterVec
	offersReceived prometheus.Counter
	offersDeclined prometheus.Counter
	runTime        *prometheus.HistogramVec
	stagingBytes   *prometheus.CounterVec
	stagingSeconds *prometheus.CounterVec
	stagingFetches *prometheus.CounterVec
	posts          *prometheus.CounterVec
	pluginCalls    *prometheus.HistogramVec
	pluginErrors   *prometheus.CounterVec
}

// New returns a Registry with every batchd metric registered, and the Go
// runtime and process collectors.
func New() *Registry {
	r := &Registry{
		reg: prometheus.NewRegistry(),
		tasks: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "batchd_tasks",
			Help: "Tasks of each job by state: pending (waiting for an offer or a retry), running (an attempt launched), done (result kept), failed (for good).",
		}, []string{"job", "state"}),
		launches: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "batchd_task_launches_total",
			Help: "Task attempts launched on the cluster.",
		}, []string{"job"}),
		retries: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "batchd_task_retries_total",
			Help: "Failed task attempts that were retried.",
		}, []string{"job"}),
		offersReceived: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "batchd_offers_received_total",
			Help: "Resource offers received from the cluster.",
		}),
		offersDeclined: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "batchd_offers_declined_total",
			Help: "Resource offers declined because no pending task fitted.",
		}),
		runTime: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "batchd_task_run_duration_seconds",
			Help:    "Time from an attempt's launch to its terminal status update, by the state it ended in.",
			Buckets: runBuckets,
		}, []string{"job", "state"}),
		stagingBytes: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "batchd_staging_fetched_bytes_total",
			Help: "Bytes fetched into the staging store, by URI scheme (a resumed fetch counts what it added).",
		}, []string{"scheme"}),
		stagingSeconds: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "batchd_staging_fetch_seconds_total",
			Help: "Time spent fetching into the staging store (to the blob in place: its hash check and fsync included), by URI scheme, failed fetches included.",
		}, []string{"scheme"}),
		stagingFetches: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "batchd_staging_fetches_total",
			Help: "Fetches into the staging store by URI scheme and outcome (ok or error); reused copies are not fetched.",
		}, []string{"scheme", "outcome"}),
		posts: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "batchd_collector_posts_total",
			Help: "Result posts to the collector by outcome (accepted, duplicate, superseded, conflict, or why it was refused).",
		}, []string{"outcome"}),
		pluginCalls: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "batchd_plugin_call_duration_seconds",
			Help:    "Latency of calls to plugins by plugin kind, name and method.",
			Buckets: callBuckets,
		}, []string{"kind", "plugin", "method"}),
		pluginErrors: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "batchd_plugin_call_errors_total",
			Help: "Calls to plugins that returned an error, by plugin kind, name and method.",
		}, []string{"kind", "plugin", "method"}),
	}
	r.reg.MustRegister(
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		r.tasks, r.launches, r.retries, r.offersReceived, r.offersDeclined, r.runTime,
		r.stagingBytes, r.stagingSeconds, r.stagingFetches, r.posts, r.pluginCalls, r.pluginErrors,
	)
	return r
}

// Handler serves the metrics in the Prometheus text format (or OpenMetrics,
// when the scraper asks for it).
func (r *Registry) Handler() http.Handler {
	return promhttp.HandlerFor(r.reg, promhttp.HandlerOpts{Registry: r.reg, EnableOpenMetrics: true})
}

// Gatherer returns the registry the metrics are gathered from (tests lint it).
func (r *Registry) Gatherer() prometheus.Gatherer { return r.reg }
