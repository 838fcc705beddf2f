package metrics

import (
	"strings"
	"time"

	"github.com/batchd/batchd/core"
)

// The methods below match the hooks of the core packages; cmd/batchd
// passes them on.

// TasksMoved moves n of job's tasks from state from to state to (the job
// runner's OnTasks). from is "" for tasks just counted (a plan read). The
// first move of a job shows all four states, at 0 when empty.
func (r *Registry) TasksMoved(job, from, to string, n int) {
	if from == "" {
		for _, st := range taskStates {
			r.tasks.WithLabelValues(job, st).Add(0)
		}
	} else {
		r.tasks.WithLabelValues(job, from).Sub(float64(n))
	}
	r.tasks.WithLabelValues(job, to).Add(float64(n))
}

// Offered counts offers received and, of them, declined (sched.Observer).
func (r *Registry) Offered(received, declined int) {
	r.offersReceived.Add(float64(received))
	r.offersDeclined.Add(float64(declined))
}

// Launched counts an attempt of a task of job launched (sched.Observer).
func (r *Registry) Launched(job string) { r.launches.WithLabelValues(job).Inc() }

// Retried counts a failed attempt of a task of job that is retried (sched.Observer).
func (r *Registry) Retried(job string) { r.retries.WithLabelValues(job).Inc() }

// Ended observes an attempt of job that ended in state st, d after its
// launch (sched.Observer).
func (r *Registry) Ended(job string, st core.TaskState, d time.Duration) {
	r.runTime.WithLabelValues(job, stateLabel(st)).Observe(d.Seconds())
}

// Fetched counts a fetch into the staging store of a URI of scheme that
// added bytes in d and failed with err, or not (the store's OnFetch).
func (r *Registry) Fetched(scheme string, bytes int64, d time.Duration, err error) {
	outcome := "ok"
	if err != nil {
		outcome = "error"
	}
	r.stagingFetches.WithLabelValues(scheme, outcome).Inc()
	r.stagingBytes.WithLabelValues(scheme).Add(float64(max(bytes, 0)))
	r.stagingSeconds.WithLabelValues(scheme).Add(d.Seconds())
}

// Posted counts a post to the collector with its outcome (the collector's OnPost).
func (r *Registry) Posted(outcome string) { r.posts.WithLabelValues(outcome).Inc() }

// PluginCall observes a call of method on the plugin of kind called name
// that took d and failed with err, or not (the plugin host's OnCall).
func (r *Registry) PluginCall(kind, name, method string, d time.Duration, err error) {
	r.pluginCalls.WithLabelValues(kind, name, method).Observe(d.Seconds())
	if err != nil {
		r.pluginErrors.WithLabelValues(kind, name, method).Inc()
	}
}

// stateLabel is a Mesos task state as a label value: TASK_FINISHED is "finished".
func stateLabel(st core.TaskState) string {
	return strings.ToLower(strings.TrimPrefix(string(st), "TASK_"))
}
