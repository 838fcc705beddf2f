package workload_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strconv"
	"testing"

	"github.com/batchd/batchd/plugins/workload"
	"github.com/batchd/batchd/plugins/workload/workloadtest"
)

func TestErrorsCrossTheWire(t *testing.T) {
	badGroup := fmt.Errorf(`group 2 "4 x 6": "x" is not an integer: %w`, workload.ErrInvalidParams)
	tests := []struct {
		name    string
		err     error
		want    error // matched with errors.Is; nil means no sentinel
		notWant []error
	}{
		{name: "invalid params", err: badGroup, want: workload.ErrInvalidParams, notWant: []error{workload.ErrInvalidResult}},
		{name: "invalid result", err: fmt.Errorf("task 7: output %q is not a number: %w", "x", workload.ErrInvalidResult),
			want: workload.ErrInvalidResult, notWant: []error{workload.ErrInvalidParams}},
		{name: "plain", err: errors.New("disk full"), notWant: []error{workload.ErrInvalidParams, workload.ErrInvalidResult, context.Canceled}},
		{name: "deadline", err: fmt.Errorf("planning: %w", context.DeadlineExceeded), want: context.DeadlineExceeded},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			w := workloadtest.Conn(t, &workload.Fake{
				DescribeFunc: func(context.Context) (workload.Info, error) { return workload.Info{}, tc.err },
				PlanFunc: func(ctx context.Context, job workload.Job, emit func(workload.TaskSpec) error) error {
					if err := emit(workload.TaskSpec{ID: "0"}); err != nil {
						return err
					}
					return tc.err
				},
				ReduceFunc: func(ctx context.Context, job workload.Job, next func() (workload.Result, error)) (workload.Summary, error) {
					if _, err := next(); err != nil {
						return workload.Summary{}, err
					}
					return workload.Summary{}, tc.err // while batchd still has results to send
				},
			})
			many := 0
			calls := map[string]error{}
			_, calls["Describe"] = w.Describe(context.Background())
			calls["Plan"] = w.Plan(context.Background(), workload.Job{}, func(workload.TaskSpec) error { return nil })
			_, calls["Reduce"] = w.Reduce(context.Background(), workload.Job{}, func() (workload.Result, error) {
				many++
				if many > 50000 {
					return workload.Result{}, io.EOF
				}
				return workload.Result{TaskID: strconv.Itoa(many)}, nil
			})
			for call, err := range calls {
				if err == nil {
					t.Fatalf("%s: no error, want %v", call, tc.err)
				}
				if err.Error() != tc.err.Error() {
					t.Errorf("%s: message %q, want the plugin's %q", call, err, tc.err)
				}
				if tc.want != nil && !errors.Is(err, tc.want) {
					t.Errorf("%s: %v does not match %v", call, err, tc.want)
				}
				for _, nw := range tc.notWant {
					if errors.Is(err, nw) {
						t.Errorf("%s: %v matches %v", call, err, nw)
					}
				}
			}
		})
	}
}

func TestPlanCancellationReachesPlugin(t *testing.T) {
	sawCancel := make(chan error, 1)
	started := make(chan struct{})
	w := workloadtest.Conn(t, &workload.Fake{PlanFunc: func(ctx context.Context, job workload.Job, emit func(workload.TaskSpec) error) error {
		close(started)
		<-ctx.Done()
		sawCancel <- ctx.Err()
		return ctx.Err()
	}})
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- w.Plan(ctx, workload.Job{}, func(workload.TaskSpec) error { return nil }) }()
	<-started
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Errorf("Plan returned %v, want context.Canceled", err)
	}
	if err := <-sawCancel; !errors.Is(err, context.Canceled) {
		t.Errorf("plugin saw %v, want context.Canceled", err)
	}
}

func TestPlanEmitErrorStopsPlugin(t *testing.T) {
	stop := errors.New("enough")
	sawCancel := make(chan struct{})
	w := workloadtest.Conn(t, &workload.Fake{PlanFunc: func(ctx context.Context, job workload.Job, emit func(workload.TaskSpec) error) error {
		for i := 0; ; i++ {
			if err := emit(workload.TaskSpec{ID: strconv.Itoa(i)}); err != nil {
				close(sawCancel)
				return err
			}
		}
	}})
	n := 0
	err := w.Plan(context.Background(), workload.Job{}, func(workload.TaskSpec) error {
		if n++; n == 10 {
			return stop
		}
		return nil
	})
	if !errors.Is(err, stop) {
		t.Fatalf("Plan returned %v, want emit's error", err)
	}
	<-sawCancel
}
