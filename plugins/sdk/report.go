package sdk

import (
	"context"

	"github.com/batchd/batchd/plugins/report"
)

// ErrNoCollector means the task was not started by batchd: the collector
// variables are missing from its environment. It is report.ErrNoCollector.
var ErrNoCollector = report.ErrNoCollector

// ErrSuperseded means the collector answered 409 Conflict: batchd no longer
// counts this attempt's result. It is report.ErrSuperseded.
var ErrSuperseded = report.ErrSuperseded

// Report posts a task's result to the collector named in its environment.
// output is marshalled as JSON; display is the line batchd prints. It keeps
// retrying refused or cut connections, 408, 429 and 5xx answers with a
// growing pause for up to 2 minutes (or $BATCHD_REPORT_DEADLINE), long
// enough for batchd to restart, and fails at once on any other answer.
//
// It is report.Post: a task program that needs nothing else from the SDK
// should import plugins/report, which needs only the standard library, and
// stay small and quick to start.
func Report(ctx context.Context, output any, display string) error {
	return report.Post(ctx, output, display)
}
