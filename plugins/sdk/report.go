package sdk

import (
	"context"

	"github.com/batchd/batchd/plugins/report"
)

// ErrNoCollector means the task was not started by batchd: the collector
// variables are missing from its environment. It is report.ErrNoCollector.
var ErrNoCollector = report.ErrNoCollector

// Report posts a task's result to the collector named in its environment.
// output is marshalled as JSON; display is the line batchd prints. It retries
// connection errors and 5xx answers a few times, and fails at once on 4xx.
//
// It is report.Post: a task program that needs nothing else from the SDK
// should import plugins/report, which needs only the standard library, and
// stay small and quick to start.
func Report(ctx context.Context, output any, display string) error {
	return report.Post(ctx, output, display)
}
