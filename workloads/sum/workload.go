// Package sum is batchd's reference workload: it adds up groups of
// integers, one task per group, and reduces the tasks' sums to a total.
//
// Each task runs the small task program batchd-task-sum (cmd/batchd-task-sum,
// staged to agents as the task's executable artifact): "batchd-task-sum
// 1 2 3" prints "sum of 1 2 3 = 6" and posts the result to batchd's
// collector (task.Run). Numbers are arbitrary-size integers (math/big);
// sums travel as decimal strings, so nothing overflows or rounds.
package sum

import (
	"context"

	"github.com/batchd/batchd/plugins/sdk"
)

// Version is the workload's version, reported by Describe.
const Version = "0.1.0"

// Parameter names.
const (
	ParamGroups = "groups"
	ParamInput  = "input"
)

// Workload is the sum workload. It holds no state and is safe for
// concurrent use.
type Workload struct {
	// TaskProgram is the path of the task program Plan stages; empty means
	// TaskProgramName next to this process's executable.
	TaskProgram string
}

var _ sdk.Workload = (*Workload)(nil)

// New returns the sum workload.
func New() *Workload { return &Workload{} }

// Describe returns the workload's name, version and parameters.
func (w *Workload) Describe(ctx context.Context) (sdk.WorkloadInfo, error) {
	if err := ctx.Err(); err != nil {
		return sdk.WorkloadInfo{}, err
	}
	return sdk.WorkloadInfo{
		Name:        "sum",
		Version:     Version,
		Description: "adds up groups of integers of any size, one task per group, and totals the sums",
		Params: []sdk.Param{
			{
				Name:        ParamGroups,
				Type:        sdk.ParamList,
				Description: `groups of integers, each a string of numbers separated by spaces, e.g. ["1 2 3", "4 5 6"]; give this or input`,
			},
			{
				Name:        ParamInput,
				Type:        sdk.ParamURI,
				Description: "a text file with one group per line; blank lines and '#' comments are skipped; give this or groups",
			},
		},
	}, nil
}
