// Command batchd-workload-good is a well-behaved test workload: each group
// of integers in the "groups" parameter becomes a task; "n" plans n tasks;
// "block" makes Plan wait for cancellation. Reduce sums the outputs.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strconv"
	"strings"

	"github.com/batchd/batchd/plugins/sdk"
)

type good struct{}

func (good) Describe(context.Context) (sdk.WorkloadInfo, error) {
	return sdk.WorkloadInfo{Name: "good", Version: "1.2.3", Description: "sums groups of integers",
		Params: []sdk.Param{{Name: "groups", Type: sdk.ParamList, Required: true, Description: "groups of integers"}}}, nil
}

func (good) Plan(ctx context.Context, job sdk.Job, emit func(sdk.TaskSpec) error) error {
	slog.Info("planning", "job", job.Name)
	fmt.Fprintln(os.Stderr, "plain stderr line")
	if job.Params["block"] == true {
		<-ctx.Done()
		return ctx.Err()
	}
	if n, ok := job.Params["n"].(float64); ok {
		for i := 0; i < int(n); i++ {
			if err := emit(sdk.TaskSpec{ID: strconv.Itoa(i), Command: []string{"true"}}); err != nil {
				return err
			}
		}
		return nil
	}
	groups, _ := job.Params["groups"].([]any)
	for gi, g := range groups {
		s, _ := g.(string)
		for _, f := range strings.Fields(s) {
			if _, err := strconv.Atoi(f); err != nil {
				return fmt.Errorf("group %d %q: %q is not an integer: %w", gi+1, s, f, sdk.ErrInvalidParams)
			}
		}
		data, _ := json.Marshal(s)
		if err := emit(sdk.TaskSpec{ID: strconv.Itoa(gi), Label: s, Command: []string{"./sum", s}, Data: data}); err != nil {
			return err
		}
	}
	return nil
}

func (good) Reduce(ctx context.Context, job sdk.Job, next func() (sdk.Result, error)) (sdk.Summary, error) {
	total := 0
	for {
		r, err := next()
		if errors.Is(err, io.EOF) {
			return sdk.Summary{Text: "total " + strconv.Itoa(total), Output: json.RawMessage(strconv.Itoa(total))}, nil
		}
		if err != nil {
			return sdk.Summary{}, err
		}
		v, err := strconv.Atoi(string(r.Output))
		if err != nil {
			return sdk.Summary{}, fmt.Errorf("task %s: %w", r.TaskID, sdk.ErrInvalidResult)
		}
		total += v
	}
}

func main() { sdk.ServeWorkload(good{}) }
