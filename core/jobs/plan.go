package jobs

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/batchd/batchd/core"
	"github.com/batchd/batchd/core/staging"
	"github.com/batchd/batchd/core/state"
	"github.com/batchd/batchd/plugins/workload"
)

// A job's plan lives in the state store, not in memory: the runner checks
// and stages the whole plan before the first launch (a bad plan fails the
// job with nothing launched), storing each checked task, then feeds the
// scheduler from the store a window at a time. Results are committed to
// the store as they arrive, and Reduce reads them back from it. Memory
// follows the tasks in flight, not the tasks planned.

// planned is one checked task as the store keeps it.
type planned struct {
	ID      string            `json:"id"`
	Command []string          `json:"command"`
	Env     map[string]string `json:"env,omitempty"`
	CPUs    float64           `json:"cpus,omitempty"`
	MemMB   float64           `json:"mem_mb,omitempty"`
	Timeout time.Duration     `json:"timeout,omitempty"`
	Data    json.RawMessage   `json:"data,omitempty"`
	// URIs indexes the job's distinct staged URI lists (staged.URIs).
	URIs int `json:"uris"`
}

func encodePlanned(p *planned) ([]byte, error) {
	raw, err := json.Marshal(p)
	if err != nil {
		return nil, fmt.Errorf("encoding task %s: %w", p.ID, err)
	}
	return raw, nil
}

func decodePlanned(raw []byte) (planned, error) {
	var p planned
	if err := json.Unmarshal(raw, &p); err != nil {
		return p, fmt.Errorf("decoding a stored task: %w", err)
	}
	return p, nil
}

// inputs describes the workload and stages the params it takes as URIs;
// it returns the job as the workload sees it and each input's digest.
func (r *Runner) inputs(ctx context.Context, lease *staging.Lease, wl workload.Workload, spec Spec) (workload.Job, map[string]string, error) {
	job := workload.Job{Name: spec.Name, Params: spec.Params, Files: map[string]string{}}
	info, err := wl.Describe(ctx)
	if err != nil {
		return job, nil, fmt.Errorf("job %s: describing workload %s: %w", spec.Name, spec.Workload, err)
	}
	digests := map[string]string{}
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
			return job, nil, fmt.Errorf("job %s: params.%s: want a URI string, got %T", spec.Name, p.Name, v)
		}
		blob, err := r.stage(ctx, lease, workload.Artifact{URI: uri})
		if err != nil {
			return job, nil, fmt.Errorf("job %s: params.%s: %w", spec.Name, p.Name, err)
		}
		job.Files[p.Name] = blob.Path
		digests[p.Name] = blob.Digest
		// An archive given as input reaches the workload extracted.
		dir, isArchive, err := r.extractInput(ctx, blob, blob.Name)
		if err != nil {
			return job, nil, fmt.Errorf("job %s: params.%s: %w", spec.Name, p.Name, err)
		}
		if isArchive {
			job.Files[p.Name] = dir
		}
	}
	return job, digests, nil
}

// planChunk is how many checked tasks go to the store in one commit.
const planChunk = 1024

// plan asks the workload for the job's tasks, checks each and stores the
// plan, stages every artifact, and marks the job running: a repeated id, a
// missing artifact or a checksum mismatch fails the job here, not
// thousands of tasks later.
func (r *Runner) plan(ctx context.Context, lease *staging.Lease, wl workload.Workload, job workload.Job, spec Spec, inputs map[string]string) ([][]core.URI, int, error) {
	arts := newJobArtifacts(spec.Name)
	seen := map[string]struct{}{}
	var chunk []state.Planned
	var n uint64
	flush := func() error {
		if len(chunk) == 0 {
			return nil
		}
		err := r.cfg.State.AddPlan(spec.Name, chunk)
		chunk = chunk[:0]
		return err
	}
	planCtx, cancel := r.pluginCtx(ctx, spec)
	defer cancel()
	err := wl.Plan(planCtx, job, func(ts workload.TaskSpec) error {
		if _, dup := seen[ts.ID]; ts.ID == "" || dup {
			return fmt.Errorf("task id %q is empty or repeated", ts.ID)
		}
		seen[ts.ID] = struct{}{}
		if len(ts.Command) == 0 {
			return fmt.Errorf("task %s has no command", ts.ID)
		}
		if err := checkArgv(ts.Command, ts.Env); err != nil {
			return fmt.Errorf("task %s: %w", ts.ID, err)
		}
		raw, err := encodePlanned(&planned{
			ID: ts.ID, Command: ts.Command, Env: ts.Env, CPUs: ts.CPUs, MemMB: ts.MemMB,
			Timeout: ts.Timeout, Data: ts.Data, URIs: arts.add(ts.ID, spec.Artifacts, ts.Artifacts),
		})
		if err != nil {
			return err
		}
		chunk = append(chunk, state.Planned{Seq: n, ID: ts.ID, Label: ts.Label, Spec: raw})
		n++
		if len(chunk) == planChunk {
			return flush()
		}
		return nil
	})
	if err == nil {
		err = flush()
	}
	seen = nil // the ids are checked; the store holds the plan
	if err != nil {
		return nil, 0, fmt.Errorf("job %s: planning with workload %s: %w", spec.Name, spec.Workload, pluginErr(planCtx, ctx, spec, err))
	}
	uris, err := arts.stage(ctx, r, lease)
	if err != nil {
		return nil, 0, fmt.Errorf("job %s: %w", spec.Name, err)
	}
	raw, err := encodeStaged(staged{Inputs: inputs, Lists: arts.lists, URIs: uris})
	if err != nil {
		return nil, 0, fmt.Errorf("job %s: %w", spec.Name, err)
	}
	err = r.cfg.State.UpdateJob(spec.Name, func(j *state.Job) {
		j.State, j.Tasks, j.Staged = state.JobRunning, int(n), raw
	})
	if err != nil {
		return nil, 0, err
	}
	return uris, int(n), nil
}

// restage stages a stored job's artifacts again (the staging store
// usually still has them) and checks that neither they nor its inputs
// changed since it started (an error wrapping ErrChanged).
func (r *Runner) restage(ctx context.Context, lease *staging.Lease, spec Spec, stored state.Job, inputs map[string]string) ([][]core.URI, int, error) {
	old, err := decodeStaged(stored.Staged)
	if err != nil {
		return nil, 0, fmt.Errorf("job %s: %w", spec.Name, err)
	}
	arts := newJobArtifacts(spec.Name)
	for _, l := range old.Lists {
		arts.add("", l, nil)
	}
	uris, err := arts.stage(ctx, r, lease)
	if err != nil {
		return nil, 0, fmt.Errorf("job %s: %w", spec.Name, err)
	}
	if err := checkStaged(spec, old, staged{Inputs: inputs, Lists: arts.lists, URIs: uris}); err != nil {
		return nil, 0, err
	}
	return uris, stored.Tasks, nil
}

// Bounds on a task's command line that Linux sets for execve: one argument
// or environment string at most MAX_ARG_STRLEN (32 pages), and all of them
// together well inside ARG_MAX (a quarter of the stack limit, 2 MiB with
// the usual 8 MiB stack), some of which the agent's own environment uses.
const (
	maxArgBytes  = 32 * 4096
	maxArgvBytes = 1 << 20
)

// checkArgv refuses, at plan time, a command line no agent could execute:
// every attempt would fail with "argument list too long". A workload with
// more to say passes it in a file (an artifact) or in the task's data.
func checkArgv(argv []string, env map[string]string) error {
	total := 0
	for i, a := range argv {
		if len(a) >= maxArgBytes {
			return fmt.Errorf("argument %d is %d bytes; the OS executes at most %d bytes per argument (MAX_ARG_STRLEN): pass it in a file instead", i, len(a), maxArgBytes-1)
		}
		total += len(a) + 1
	}
	for k, v := range env {
		if len(k)+len(v)+1 >= maxArgBytes {
			return fmt.Errorf("environment variable %s is %d bytes; the OS allows at most %d (MAX_ARG_STRLEN)", k, len(k)+len(v)+1, maxArgBytes-1)
		}
		total += len(k) + len(v) + 2
	}
	if total > maxArgvBytes {
		return fmt.Errorf("its command line and environment are %d bytes; batchd allows %d, well inside the OS's ARG_MAX: pass the data in a file instead", total, maxArgvBytes)
	}
	return nil
}
