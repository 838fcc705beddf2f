package workload_test

import (
	"context"
	"encoding/json"
	"strconv"
	"testing"

	"github.com/batchd/batchd/plugins/workload"
	"github.com/batchd/batchd/plugins/workload/workloadtest"
)

// BenchmarkPlanStream streams 100,000 sum-like task specs (10,000 with
// -short) through the real gRPC shims in-process; ns/op is per plan.
func BenchmarkPlanStream(b *testing.B) {
	n := 100_000
	if testing.Short() {
		n = 10_000
	}
	specs := make([]workload.TaskSpec, n)
	for i := range specs {
		id := strconv.Itoa(i)
		group := id + " " + strconv.Itoa(i+1)
		specs[i] = workload.TaskSpec{
			ID: id, Name: "sum " + group, Command: []string{"./batchd-task-sum", id, strconv.Itoa(i + 1)},
			Artifacts: []workload.Artifact{{URI: "file:///opt/batchd/plugins/batchd-task-sum", Executable: true, Cache: true}},
			Data:      json.RawMessage(strconv.Quote(group)),
		}
	}
	w := workloadtest.Conn(b, &workload.Fake{PlanFunc: func(ctx context.Context, job workload.Job, emit func(workload.TaskSpec) error) error {
		for _, s := range specs {
			if err := emit(s); err != nil {
				return err
			}
		}
		return nil
	}})
	for b.Loop() {
		got := 0
		err := w.Plan(context.Background(), workload.Job{Name: "bench"}, func(workload.TaskSpec) error {
			got++
			return nil
		})
		if err != nil || got != n {
			b.Fatalf("Plan: %d specs of %d, %v", got, n, err)
		}
	}
}
