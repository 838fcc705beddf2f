package workload

import (
	"context"
	"errors"
)

// errNotFaked is returned by a Fake method whose function field is nil.
var errNotFaked = errors.New("workload: fake method not set")

// Fake is a Workload whose methods call its function fields, for tests. A
// nil field makes its method return an error.
type Fake struct {
	DescribeFunc func(ctx context.Context) (Info, error)
	PlanFunc     func(ctx context.Context, job Job, emit func(TaskSpec) error) error
	ReduceFunc   func(ctx context.Context, job Job, next func() (Result, error)) (Summary, error)
	// ValidateFunc, when nil, makes Validate answer as a plugin without
	// the capability does (ErrNotValidator).
	ValidateFunc func(ctx context.Context, job Job) ([]Problem, error)
}

var (
	_ Workload  = (*Fake)(nil)
	_ Validator = (*Fake)(nil)
)

// Describe calls DescribeFunc.
func (f *Fake) Describe(ctx context.Context) (Info, error) {
	if f.DescribeFunc == nil {
		return Info{}, errNotFaked
	}
	return f.DescribeFunc(ctx)
}

// Plan calls PlanFunc.
func (f *Fake) Plan(ctx context.Context, job Job, emit func(TaskSpec) error) error {
	if f.PlanFunc == nil {
		return errNotFaked
	}
	return f.PlanFunc(ctx, job, emit)
}

// Reduce calls ReduceFunc.
func (f *Fake) Reduce(ctx context.Context, job Job, next func() (Result, error)) (Summary, error) {
	if f.ReduceFunc == nil {
		return Summary{}, errNotFaked
	}
	return f.ReduceFunc(ctx, job, next)
}

// Validate calls ValidateFunc.
func (f *Fake) Validate(ctx context.Context, job Job) ([]Problem, error) {
	if f.ValidateFunc == nil {
		return nil, ErrNotValidator
	}
	return f.ValidateFunc(ctx, job)
}
