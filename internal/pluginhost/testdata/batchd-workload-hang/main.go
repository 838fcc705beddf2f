// Command batchd-workload-hang is a test workload that hangs, ignoring its
// context: in every Describe after the first (or in the first too when its
// file name ends in "-hangstart"), and in Plan and Reduce.
package main

import (
	"context"
	"os"
	"strings"
	"sync/atomic"

	"github.com/batchd/batchd/plugins/sdk"
)

type hang struct{ describes atomic.Int32 }

func (h *hang) Describe(context.Context) (sdk.WorkloadInfo, error) {
	if h.describes.Add(1) > 1 || strings.HasSuffix(os.Args[0], "-hangstart") {
		select {}
	}
	return sdk.WorkloadInfo{Name: "hang", Version: "0.0.1"}, nil
}

func (h *hang) Plan(context.Context, sdk.Job, func(sdk.TaskSpec) error) error { select {} }

func (h *hang) Reduce(context.Context, sdk.Job, func() (sdk.Result, error)) (sdk.Summary, error) {
	select {}
}

func main() { sdk.ServeWorkload(&hang{}) }
