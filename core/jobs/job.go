package jobs

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/batchd/batchd/core"
	"github.com/batchd/batchd/core/staging"
	"github.com/batchd/batchd/core/staging/fetchsrc"
	"github.com/batchd/batchd/plugins/sdk"
	"github.com/batchd/batchd/plugins/workload"
)

// Spec is one job as the config describes it.
type Spec struct {
	Name     string
	Workload string
	CPUs     float64
	MemMB    float64
	Retries  int
	Timeout  time.Duration
	// PluginTimeout bounds each of the workload's Plan and Reduce calls (0: none).
	PluginTimeout time.Duration
	Params        map[string]any
	// Artifacts are added to every task of the job.
	Artifacts []workload.Artifact
}

// ErrJobFailed is wrapped by the error of a job some of whose tasks failed.
var ErrJobFailed = errors.New("jobs: job failed")

// Run runs one job to its end: plan, stage, schedule, collect, reduce. It
// prints each result's display line as it arrives and, on success,
// "job NAME: N tasks finished, SUMMARY".
func (r *Runner) Run(ctx context.Context, spec Spec) (Report, error) {
	rep := Report{Job: spec.Name}
	// The job holds its staged artifacts until it ends, so the store's
	// size bound never evicts what its tasks may still fetch.
	lease := r.cfg.Store.Lease()
	defer lease.Release()
	wl, err := r.cfg.Plugins.Workload(ctx, spec.Workload)
	if err != nil {
		return rep, fmt.Errorf("job %s: %w", spec.Name, err)
	}
	info, err := wl.Describe(ctx)
	if err != nil {
		return rep, fmt.Errorf("job %s: describing workload %s: %w", spec.Name, spec.Workload, err)
	}
	job := workload.Job{Name: spec.Name, Params: spec.Params, Files: map[string]string{}}
	for _, p := range info.Params {
		if p.Type != workload.ParamURI {
			continue
		}
		v, ok := spec.Params[p.Name]
		if !ok {
			continue
		}
		uri, ok := v.(string)
		if !ok {
			return rep, fmt.Errorf("job %s: params.%s: want a URI string, got %T", spec.Name, p.Name, v)
		}
		blob, err := r.stage(ctx, lease, workload.Artifact{URI: uri})
		if err != nil {
			return rep, fmt.Errorf("job %s: params.%s: %w", spec.Name, p.Name, err)
		}
		job.Files[p.Name] = blob.Path
		// An archive given as input reaches the workload extracted.
		dir, isArchive, err := r.extractInput(ctx, blob, blob.Name)
		if err != nil {
			return rep, fmt.Errorf("job %s: params.%s: %w", spec.Name, p.Name, err)
		}
		if isArchive {
			job.Files[p.Name] = dir
		}
	}

	// Check and stage the whole plan before the first launch: a repeated
	// id, a missing artifact or a checksum mismatch fails the job here, not
	// thousands of tasks later. The checked plan waits on disk (spool.go).
	plan, err := newSpool[planned](r.cfg.PlanDir, "plan")
	if err != nil {
		return rep, fmt.Errorf("job %s: %w", spec.Name, err)
	}
	defer plan.Close()
	arts := newJobArtifacts()
	seen := map[string]struct{}{}
	planCtx, cancel := r.pluginCtx(ctx, spec)
	defer cancel()
	err = wl.Plan(planCtx, job, func(ts workload.TaskSpec) error {
		if _, dup := seen[ts.ID]; ts.ID == "" || dup {
			return fmt.Errorf("task id %q is empty or repeated", ts.ID)
		}
		seen[ts.ID] = struct{}{}
		if len(ts.Command) == 0 {
			return fmt.Errorf("task %s has no command", ts.ID)
		}
		return plan.add(&planned{
			ID: ts.ID, Label: ts.Label, Command: ts.Command, Env: ts.Env, CPUs: ts.CPUs, MemMB: ts.MemMB,
			Timeout: ts.Timeout, Data: ts.Data, URIs: arts.add(ts.ID, spec.Artifacts, ts.Artifacts),
		})
	})
	seen = nil // the ids are checked; the spool holds the plan
	if err != nil {
		return rep, fmt.Errorf("job %s: planning with workload %s: %w", spec.Name, spec.Workload, pluginErr(planCtx, ctx, spec, err))
	}
	uris, err := arts.stage(ctx, r, lease)
	if err != nil {
		return rep, fmt.Errorf("job %s: %w", spec.Name, err)
	}
	rep.Tasks = plan.n
	results, err := newSpool[workload.Result](r.cfg.PlanDir, "results")
	if err != nil {
		return rep, fmt.Errorf("job %s: %w", spec.Name, err)
	}
	defer results.Close()
	if plan.n > 0 {
		if err := r.runPlan(ctx, spec, plan, uris, results, &rep); err != nil {
			return rep, err
		}
	}
	if rep.Failed > 0 {
		r.printf("job %s: %d of %d tasks failed", spec.Name, rep.Failed, rep.Tasks)
		return rep, fmt.Errorf("job %s: %w: %d of %d tasks failed, first: %w", spec.Name, ErrJobFailed, rep.Failed, rep.Tasks, rep.Failures[0])
	}
	return r.reduce(ctx, wl, job, spec, rep, results)
}

func (r *Runner) reduce(ctx context.Context, wl workload.Workload, job workload.Job, spec Spec, rep Report, results *resultSpool) (Report, error) {
	if err := results.rewind(); err != nil {
		return rep, fmt.Errorf("job %s: %w", spec.Name, err)
	}
	redCtx, cancel := r.pluginCtx(ctx, spec)
	defer cancel()
	sum, err := wl.Reduce(redCtx, job, results.next)
	if err != nil {
		return rep, fmt.Errorf("job %s: reducing with workload %s: %w", spec.Name, spec.Workload, pluginErr(redCtx, ctx, spec, err))
	}
	rep.Summary = sum
	r.printf("job %s: %d tasks finished, %s", spec.Name, rep.Finished, sum.Text)
	return rep, nil
}

// uris stages artifacts and returns the URIs agents fetch them from.
func (r *Runner) uris(ctx context.Context, lease *staging.Lease, arts []workload.Artifact) ([]core.URI, error) {
	out := make([]core.URI, 0, len(arts))
	for _, a := range arts {
		u := core.URI{Value: a.URI, Executable: a.Executable, Extract: a.Extract, Cache: a.Cache, OutputFile: a.OutputFile}
		if !a.Direct {
			blob, err := r.stage(ctx, lease, a)
			if err != nil {
				return nil, err
			}
			u.Value = strings.TrimSuffix(r.cfg.Advertise, "/") + r.cfg.Store.URLPath(blob)
			if u.OutputFile == "" {
				u.OutputFile = blob.Name
			}
			if a.Extract && !a.Executable {
				if err := r.checkArchive(ctx, blob, u.OutputFile); err != nil {
					return nil, err
				}
			}
		}
		out = append(out, u)
	}
	return out, nil
}

// stage fetches an artifact into the store through the fetcher plugin for
// its scheme, or reuses the copy staged before when the plugin says the
// source is unchanged (or the artifact is immutable, or its checksum is
// stored): see staging.Store.StageSource.
func (r *Runner) stage(ctx context.Context, lease *staging.Lease, a workload.Artifact) (staging.Blob, error) {
	scheme := core.Scheme(a.URI)
	f, err := r.cfg.Plugins.FetcherFor(ctx, scheme)
	if err != nil {
		return staging.Blob{}, fmt.Errorf("staging %s: %w", sdk.RedactURI(a.URI), err)
	}
	src := fetchsrc.Of(f, a.URI)
	src.Checksum, src.Immutable = a.Checksum, a.Immutable
	blob, err := r.cfg.Store.StageSource(ctx, lease, src)
	return blob, err // the store's errors name the URI
}

// pluginCtx bounds one workload plugin call by the job's plugin timeout.
func (r *Runner) pluginCtx(ctx context.Context, spec Spec) (context.Context, context.CancelFunc) {
	if spec.PluginTimeout <= 0 {
		return context.WithCancel(ctx)
	}
	return context.WithTimeout(ctx, spec.PluginTimeout)
}

// pluginErr says so when a plugin call failed because the plugin did not
// answer within the job's plugin timeout (and not because batchd stopped).
func pluginErr(callCtx, ctx context.Context, spec Spec, err error) error {
	timedOut := errors.Is(callCtx.Err(), context.DeadlineExceeded) || errors.Is(err, context.DeadlineExceeded)
	if ctx.Err() == nil && timedOut {
		return fmt.Errorf("plugin did not answer within plugin_timeout %v: %w", spec.PluginTimeout, err)
	}
	return err
}
