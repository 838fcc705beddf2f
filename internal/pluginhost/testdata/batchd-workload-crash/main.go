// Command batchd-workload-crash is a test workload that exits in the
// middle of Plan, after emitting a few tasks.
package main

import (
	"context"
	"os"
	"strconv"

	"github.com/batchd/batchd/plugins/sdk"
)

type crash struct{}

func (crash) Describe(context.Context) (sdk.WorkloadInfo, error) {
	return sdk.WorkloadInfo{Name: "crash", Version: "0.0.1"}, nil
}

func (crash) Plan(ctx context.Context, job sdk.Job, emit func(sdk.TaskSpec) error) error {
	for i := 0; i < 3000; i++ { // more than one batch, so some reach batchd
		if err := emit(sdk.TaskSpec{ID: strconv.Itoa(i)}); err != nil {
			return err
		}
	}
	os.Exit(3)
	return nil
}

func (crash) Reduce(context.Context, sdk.Job, func() (sdk.Result, error)) (sdk.Summary, error) {
	return sdk.Summary{}, nil
}

func main() { sdk.ServeWorkload(crash{}) }
