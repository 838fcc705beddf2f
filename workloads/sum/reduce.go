package sum

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/big"

	"github.com/batchd/batchd/plugins/sdk"
	"github.com/batchd/batchd/workloads/sum/task"
)

// jobOutput is the job's machine-readable result.
type jobOutput struct {
	Tasks int    `json:"tasks"`
	Total string `json:"total"`
}

// Reduce adds up the tasks' sums exactly. Its summary text is "total N";
// its output {"tasks":K,"total":"N"}. A result whose output is not a sum
// task's output, or whose sum disagrees with its numbers, is an error
// wrapping sdk.ErrInvalidResult naming the task.
func (w *Workload) Reduce(ctx context.Context, job sdk.Job, next func() (sdk.Result, error)) (sdk.Summary, error) {
	total := new(big.Int)
	tasks := 0
	for {
		if err := ctx.Err(); err != nil {
			return sdk.Summary{}, err
		}
		r, err := next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return sdk.Summary{}, fmt.Errorf("sum: reducing %s: reading result %d: %w", job.Name, tasks+1, err)
		}
		s, err := resultSum(r.Output)
		if err != nil {
			return sdk.Summary{}, fmt.Errorf("sum: reducing %s: %w: task %s: %w", job.Name, sdk.ErrInvalidResult, r.TaskID, err)
		}
		total.Add(total, s)
		tasks++
	}
	out, err := json.Marshal(jobOutput{Tasks: tasks, Total: total.String()})
	if err != nil {
		return sdk.Summary{}, fmt.Errorf("sum: reducing %s: %w", job.Name, err)
	}
	return sdk.Summary{Text: "total " + total.String(), Output: out}, nil
}

// resultSum checks one task's output and returns its sum.
func resultSum(raw json.RawMessage) (*big.Int, error) {
	var out task.Output
	if err := json.Unmarshal(raw, &out); err != nil {
		return nil, fmt.Errorf("output %s: %w", task.Quote(string(raw)), err)
	}
	if out.Sum == nil {
		return nil, fmt.Errorf("output %s has no \"sum\"", task.Quote(string(raw)))
	}
	s, err := task.ParseInt(*out.Sum)
	if err != nil {
		return nil, fmt.Errorf("sum: %w", err)
	}
	if len(out.Numbers) > 0 {
		nums := make([]*big.Int, len(out.Numbers))
		for i, n := range out.Numbers {
			if nums[i], err = task.ParseInt(n); err != nil {
				return nil, fmt.Errorf("numbers: %w", err)
			}
		}
		if want := task.Sum(nums); want.Cmp(s) != 0 {
			return nil, fmt.Errorf("sum %s of numbers %v, want %s", s, out.Numbers, want)
		}
	}
	return s, nil
}
