package pluginhost

import (
	"context"
	"time"

	"github.com/batchd/batchd/plugins/workload"
)

// Workload returns the workload plugin called name, launching it on first
// use (and again if it exited). Errors from its methods name the plugin;
// Describe and Validate (see workload.Validator) are bounded by
// CallTimeout, Plan and Reduce by ctx. A plugin that crashes mid-call makes
// that call fail with ErrCrashed; ask the Host again for a fresh instance.
func (h *Host) Workload(ctx context.Context, name string) (workload.Workload, error) {
	inst, err := h.instanceOf(ctx, KindWorkload, name)
	if err != nil {
		return nil, err
	}
	return &hostedWorkload{inst: inst, timeout: h.cfg.CallTimeout, onCall: h.cfg.OnCall}, nil
}

// hostedWorkload is a workload plugin as the Host hands it out.
type hostedWorkload struct {
	inst    *instance
	timeout time.Duration
	onCall  CallFunc
}

var _ workload.Workload = (*hostedWorkload)(nil)

func (w *hostedWorkload) Describe(ctx context.Context) (workload.Info, error) {
	start := time.Now()
	ctx, cancel := context.WithTimeout(ctx, w.timeout)
	defer cancel()
	info, err := w.inst.workload.Describe(ctx)
	return info, called(w.onCall, w.inst, "describe", start, w.inst.opErr("describe", err, nil))
}

// Plan returns emit's error unchanged, and wraps the plugin's.
func (w *hostedWorkload) Plan(ctx context.Context, job workload.Job, emit func(workload.TaskSpec) error) error {
	start := time.Now()
	var emitErr error
	err := w.inst.workload.Plan(ctx, job, func(s workload.TaskSpec) error {
		emitErr = emit(s)
		return emitErr
	})
	return called(w.onCall, w.inst, "plan", start, w.inst.opErr("plan", err, emitErr))
}

// Reduce returns next's error unchanged, and wraps the plugin's.
func (w *hostedWorkload) Reduce(ctx context.Context, job workload.Job, next func() (workload.Result, error)) (workload.Summary, error) {
	start := time.Now()
	var nextErr error
	sum, err := w.inst.workload.Reduce(ctx, job, func() (workload.Result, error) {
		r, err := next()
		nextErr = err
		return r, err
	})
	return sum, called(w.onCall, w.inst, "reduce", start, w.inst.opErr("reduce", err, nextErr))
}

var _ workload.Validator = (*hostedWorkload)(nil)

// Validate asks the plugin, within the call timeout, what is wrong with
// job's params. A plugin without the capability answers an error wrapping
// workload.ErrNotValidator.
func (w *hostedWorkload) Validate(ctx context.Context, job workload.Job) ([]workload.Problem, error) {
	ctx, cancel := context.WithTimeout(ctx, w.timeout)
	defer cancel()
	v, ok := w.inst.workload.(workload.Validator)
	if !ok {
		return nil, w.inst.opErr("validate", workload.ErrNotValidator, nil)
	}
	problems, err := v.Validate(ctx, job)
	return problems, w.inst.opErr("validate", err, nil)
}
