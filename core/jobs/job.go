package jobs

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode"

	"github.com/batchd/batchd/core"
	"github.com/batchd/batchd/core/staging"
	"github.com/batchd/batchd/core/staging/fetchsrc"
	"github.com/batchd/batchd/core/state"
	"github.com/batchd/batchd/plugins/redact"
	"github.com/batchd/batchd/plugins/workload"
)

// Spec is one job as the config describes it.
type Spec struct {
	Name     string
	Workload string
	CPUs     float64
	MemMB    float64
	Retries  int
	// RetryBackoff is the pause before a failed task's first retry (doubled after).
	RetryBackoff time.Duration
	Timeout      time.Duration
	// PluginTimeout bounds each of the workload's Plan and Reduce calls (0: none).
	PluginTimeout time.Duration
	Params        map[string]any
	// Artifacts are added to every task of the job.
	Artifacts []workload.Artifact
	// Output, when set, is a JSON-lines file every committed result is
	// appended to (rewritten from the store when the job resumes).
	Output string
	// Fresh discards what the store holds of the job and starts it over.
	Fresh bool
	// Placement adds disk, GPUs, constraints, the user, labels and a
	// container to every task; nil for none.
	Placement *core.Placement
}

// ErrJobFailed is wrapped by the error of a job some of whose tasks failed.
var ErrJobFailed = errors.New("jobs: job failed")

// Run runs one job to its end: plan, stage, schedule, collect, reduce. It
// prints each result's display line as it arrives and, on success,
// "job NAME: N tasks finished, SUMMARY". A job the store holds resumes
// where it stopped; a finished one prints its stored summary.
func (r *Runner) Run(ctx context.Context, spec Spec) (Report, error) {
	rep := Report{Job: spec.Name}
	fed := sync.OnceFunc(func() {
		if r.cfg.Fed != nil {
			r.cfg.Fed(spec.Name)
		}
	})
	defer fed()
	stored, resume, err := r.open(spec)
	if err != nil {
		return rep, err
	}
	// The job holds its staged artifacts until it ends, so the store's
	// size bound never evicts what its tasks may still fetch.
	lease := r.cfg.Store.Lease()
	defer lease.Release()
	wl, err := r.cfg.Plugins.Workload(ctx, spec.Workload)
	if err != nil {
		return rep, fmt.Errorf("job %s: %w", spec.Name, err)
	}
	job, inputs, err := r.inputs(ctx, lease, wl, spec)
	if err != nil {
		return rep, err
	}
	var uris [][]core.URI
	if resume {
		uris, rep.Tasks, err = r.restage(ctx, lease, spec, stored, inputs)
		switch {
		case stored.State == state.JobRunning:
			if err != nil {
				return rep, err
			}
			r.cfg.Log.Info("resuming job", "job", spec.Name, "tasks", stored.Tasks, "results_kept", stored.Results)
			// The lines of the results kept come first, so this run's
			// output is whole, as an uninterrupted run's would be.
			if err := r.printStored(spec.Name); err != nil {
				return rep, err
			}
		case err == nil:
			// Ended, with the same definition and inputs: not run again.
			if stored.State == state.JobDone {
				rep.Finished = rep.Tasks
			}
			line, err := endedLine(r.cfg.State, stored)
			r.printf("%s", line)
			return rep, err
		case errors.Is(err, ErrChanged):
			// Ended, and an input changed since: a changed input must
			// never give the old result.
			r.cfg.Log.Info("an input changed since the job ended; running it anew", "job", spec.Name, "err", err)
			if _, err := r.create(spec); err != nil {
				return rep, err
			}
			resume = false
		default:
			return rep, err
		}
	}
	if !resume {
		uris, rep.Tasks, err = r.plan(ctx, lease, wl, job, spec, inputs)
	}
	if err != nil {
		return rep, err
	}
	out, err := r.openOutput(spec)
	if err != nil {
		return rep, err
	}
	defer func() {
		if err := out.close(); err != nil {
			r.cfg.Log.Warn("job output file incomplete; `batchd results` reads the store", "job", spec.Name, "err", err)
		}
	}()
	if rep.Tasks > 0 {
		if err := r.runPlan(ctx, spec, uris, out, fed, &rep); err != nil {
			return rep, err
		}
	}
	if rep.Failed > 0 {
		line := fmt.Sprintf("job %s: %d of %d tasks failed", spec.Name, rep.Failed, rep.Tasks)
		r.printf("%s", line)
		err := fmt.Errorf("job %s: %w: %d of %d tasks failed:\n%w", spec.Name, ErrJobFailed, rep.Failed, rep.Tasks, failureReport(rep))
		r.end(spec.Name, state.JobFailed, line, err)
		return rep, err
	}
	return r.reduce(ctx, wl, job, spec, rep)
}

// end records how the job ended; the store keeps the line to print again.
func (r *Runner) end(name string, st state.JobState, line string, cause error) {
	err := r.cfg.State.UpdateJob(name, func(j *state.Job) {
		j.State, j.Summary, j.Ended = st, line, time.Now().UTC()
		if cause != nil {
			j.Error = cause.Error()
		}
	})
	if err != nil {
		r.cfg.Log.Warn("storing how the job ended", "job", name, "err", err)
	}
}

func (r *Runner) reduce(ctx context.Context, wl workload.Workload, job workload.Job, spec Spec, rep Report) (Report, error) {
	results := r.storedResults(spec.Name)
	redCtx, cancel := r.pluginCtx(ctx, spec)
	defer cancel()
	sum, err := wl.Reduce(redCtx, job, results.next)
	if err != nil {
		return rep, fmt.Errorf("job %s: reducing with workload %s: %w", spec.Name, spec.Workload, pluginErr(redCtx, ctx, spec, err))
	}
	rep.Summary = sum
	line := fmt.Sprintf("job %s: %d tasks finished, %s", spec.Name, rep.Finished, printable(sum.Text))
	r.end(spec.Name, state.JobDone, line, nil)
	r.printf("%s", line)
	return rep, nil
}

// uris stages artifacts and returns the URIs agents fetch them from.
func (r *Runner) uris(ctx context.Context, lease *staging.Lease, job string, arts []workload.Artifact) ([]core.URI, error) {
	out := make([]core.URI, 0, len(arts))
	for _, a := range arts {
		u := core.URI{Value: a.URI, Executable: a.Executable, Extract: a.Extract, Cache: a.Cache, OutputFile: a.OutputFile}
		if !a.Direct {
			blob, err := r.stage(ctx, lease, a)
			if err != nil {
				return nil, err
			}
			u.Value = strings.TrimSuffix(r.cfg.Advertise, "/") + r.cfg.Store.URLPath(job, blob)
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
		return staging.Blob{}, fmt.Errorf("staging %s: %w", redact.URI(a.URI), err)
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

// printable escapes the control characters of a plugin's text (as Go
// would quote them), so a line batchd prints stays one line and cannot
// drive the terminal.
func printable(s string) string {
	if !strings.ContainsFunc(s, unicode.IsControl) {
		return s
	}
	var b strings.Builder
	for _, r := range s {
		if unicode.IsControl(r) {
			q := strconv.QuoteRune(r)
			b.WriteString(q[1 : len(q)-1])
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}

// failureReport names each failed task the report kept, with its reason
// (and, for the first few, the end of its stderr), and counts the rest.
func failureReport(rep Report) error {
	errs := rep.Failures
	if more := rep.Failed - len(rep.Failures); more > 0 {
		errs = append(errs[:len(errs):len(errs)], fmt.Errorf("and %d more failed tasks (`batchd results` lists them all)", more))
	}
	return errors.Join(errs...)
}
