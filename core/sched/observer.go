package sched

import (
	"time"

	"github.com/batchd/batchd/core"
)

// Observer is told what the scheduler does, for metrics. Its methods run
// on the scheduler's goroutine and must not block.
type Observer interface {
	// Offered counts offers received in one event and, of them, those declined.
	Offered(received, declined int)
	// Launched counts an attempt of a task of job handed to the cluster.
	Launched(job string)
	// Retried counts a failed attempt of a task of job that is retried.
	Retried(job string)
	// Ended observes an attempt of job that ended in state st (a terminal
	// update), d after its launch.
	Ended(job string, st core.TaskState, d time.Duration)
}

// nopObserver is the Observer of a Config that sets none.
type nopObserver struct{}

func (nopObserver) Offered(int, int)                            {}
func (nopObserver) Launched(string)                             {}
func (nopObserver) Retried(string)                              {}
func (nopObserver) Ended(string, core.TaskState, time.Duration) {}
