package main

import (
	"github.com/batchd/batchd/core/state"
	"github.com/batchd/batchd/internal/metrics"
)

// A run of batchd serves its metrics (internal/metrics) at /metrics on the
// [server] listen address, beside the artifacts and the collector; the
// core packages report to it through their hooks, wired in runJobs.

// taskStates adapts the registry to the job runner's OnTasks hook.
func taskStates(reg *metrics.Registry) tasksHook {
	return func(job string, from, to state.TaskState, n int) {
		reg.TasksMoved(job, string(from), string(to), n)
	}
}
