package jobs

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"sort"
	"strings"
	"time"

	"github.com/batchd/batchd/core"
	"github.com/batchd/batchd/core/state"
	"github.com/batchd/batchd/plugins/workload"
)

// A job's life is kept in the state store: a run of batchd that finds the
// job stored resumes it (its plan, results and attempts), prints a finished
// job's stored summary, and refuses a job whose definition changed.

// ErrChanged is wrapped by the error of a job whose definition or inputs
// changed since it was stored.
var ErrChanged = errors.New("job changed since it was stored")

// definition is what a job computes, as its digest covers it: the
// workload, its params and the artifacts. Resources, retries and timeouts
// may change between runs; they apply to attempts launched afterwards.
type definition struct {
	Workload  string              `json:"workload"`
	Params    map[string]any      `json:"params,omitempty"`
	Artifacts []workload.Artifact `json:"artifacts,omitempty"`
}

// digestOf returns spec's definition as canonical JSON and its SHA-256.
func digestOf(spec Spec) (json.RawMessage, string, error) {
	raw, err := json.Marshal(definition{Workload: spec.Workload, Params: spec.Params, Artifacts: spec.Artifacts})
	if err != nil {
		return nil, "", fmt.Errorf("encoding the job's definition: %w", err)
	}
	sum := sha256.Sum256(raw)
	return raw, hex.EncodeToString(sum[:]), nil
}

// changes names the fields that differ between two stored definitions.
func changes(old, cur json.RawMessage) []string {
	var a, b map[string]any
	if json.Unmarshal(old, &a) != nil || json.Unmarshal(cur, &b) != nil {
		return []string{"the definition"}
	}
	var out []string
	for _, k := range keys(a, b) {
		if k != "params" {
			if !reflect.DeepEqual(a[k], b[k]) {
				out = append(out, k)
			}
			continue
		}
		pa, _ := a[k].(map[string]any)
		pb, _ := b[k].(map[string]any)
		for _, p := range keys(pa, pb) {
			if !reflect.DeepEqual(pa[p], pb[p]) {
				out = append(out, "params."+p)
			}
		}
	}
	return out
}

// keys returns the keys of both maps, sorted.
func keys(a, b map[string]any) []string {
	seen := map[string]bool{}
	for k := range a {
		seen[k] = true
	}
	for k := range b {
		seen[k] = true
	}
	out := make([]string, 0, len(seen))
	for k := range seen {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// staged is what the store keeps of a job's inputs and artifacts, to
// resume it with the same ones.
type staged struct {
	// Inputs are the SHA-256 of each URI param's staged input.
	Inputs map[string]string `json:"inputs,omitempty"`
	// Lists are the job's distinct artifact lists, URIs the same lists as
	// the agents fetch them.
	Lists [][]workload.Artifact `json:"lists,omitempty"`
	URIs  [][]core.URI          `json:"uris,omitempty"`
}

// open finds spec's job in the store: resume is true for a job whose plan
// is stored whole and whose definition is unchanged (running, or ended:
// Run then checks its inputs). A new job, a --fresh one, one whose plan
// was cut short by a crash, or an ended one whose definition changed is
// stored anew (planning). An unfinished job whose definition changed is
// refused: its results would mix two definitions.
func (r *Runner) open(spec Spec) (job state.Job, resume bool, err error) {
	def, digest, err := digestOf(spec)
	if err != nil {
		return job, false, fmt.Errorf("job %s: %w", spec.Name, err)
	}
	stored, err := r.cfg.State.Job(spec.Name)
	switch {
	case errors.Is(err, state.ErrNotFound):
	case err != nil:
		return job, false, fmt.Errorf("job %s: %w", spec.Name, err)
	case spec.Fresh:
		r.cfg.Log.Info("discarding the stored job (--fresh)", "job", spec.Name, "state", stored.State, "results", stored.Results)
	case stored.Digest != digest && stored.State == state.JobRunning:
		return job, false, changedErr(r.cfg.State, spec, stored, def)
	case stored.Digest != digest && stored.State != state.JobPlanning:
		r.cfg.Log.Info("the job's definition changed since it ended; running it anew", "job", spec.Name,
			"changed", strings.Join(changes(stored.Definition, def), ", "), "state", stored.State)
	case stored.State != state.JobPlanning:
		return stored, true, nil
	}
	job, err = r.create(spec)
	return job, false, err
}

// create stores spec's job anew, discarding what the store held of it.
func (r *Runner) create(spec Spec) (state.Job, error) {
	def, digest, err := digestOf(spec)
	if err != nil {
		return state.Job{}, fmt.Errorf("job %s: %w", spec.Name, err)
	}
	job := state.Job{Name: spec.Name, Digest: digest, Definition: def, State: state.JobPlanning, Created: time.Now().UTC()}
	if err := r.cfg.State.CreateJob(job); err != nil {
		return job, fmt.Errorf("job %s: %w", spec.Name, err)
	}
	return job, nil
}

func changedErr(db *state.Store, spec Spec, stored state.Job, def json.RawMessage) error {
	what := changes(stored.Definition, def)
	verb := "differs"
	if len(what) > 1 {
		verb = "differ"
	}
	return fmt.Errorf("job %s: %w: %s %s from the job stored in %s (%s, %d results kept); "+
		"restore the old definition to resume it, or run with --fresh to discard the stored job and start it over",
		spec.Name, ErrChanged, strings.Join(what, ", "), verb, db.Path(), stored.State, stored.Results)
}

// Check refuses, before anything starts, an unfinished job whose
// definition changed since it was stored (an error wrapping ErrChanged).
func Check(db *state.Store, spec Spec) error {
	if spec.Fresh {
		return nil
	}
	stored, err := db.Job(spec.Name)
	if errors.Is(err, state.ErrNotFound) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("job %s: %w", spec.Name, err)
	}
	def, digest, err := digestOf(spec)
	if err != nil {
		return fmt.Errorf("job %s: %w", spec.Name, err)
	}
	if stored.Digest != digest && stored.State == state.JobRunning {
		return changedErr(db, spec, stored, def)
	}
	return nil
}

// endedLine is the line printed for a job the store holds as ended, and
// the error of a failed one.
func endedLine(db *state.Store, stored state.Job) (string, error) {
	if stored.State == state.JobFailed {
		return stored.Summary, fmt.Errorf("job %s: %w (stored in %s; run with --fresh to run it again): %s", stored.Name, ErrJobFailed, db.Path(), stored.Error)
	}
	return stored.Summary, nil
}

// checkStaged compares a resumed job's inputs and artifacts, staged again,
// with those it started with: a job must not mix results from two versions
// of its input.
func checkStaged(spec Spec, old, cur staged) error {
	for name, sum := range old.Inputs {
		if cur.Inputs[name] != sum {
			return fmt.Errorf("job %s: %w: the input params.%s changed since the job started (sha256 %s, now %s); "+
				"restore it to resume the job, or run with --fresh to start it over", spec.Name, ErrChanged, name, short(sum), short(cur.Inputs[name]))
		}
	}
	for i := range old.URIs {
		for k, u := range old.URIs[i] {
			if i >= len(cur.URIs) || k >= len(cur.URIs[i]) || blobOf(cur.URIs[i][k].Value) != blobOf(u.Value) {
				return fmt.Errorf("job %s: %w: the artifact %s changed since the job started; "+
					"restore it to resume the job, or run with --fresh to start it over", spec.Name, ErrChanged, old.Lists[i][k].URI)
			}
		}
	}
	return nil
}

// blobOf is what identifies a staged URI's content: the digest and name
// that end its path, whatever address batchd advertises and whether or
// not the path carries a token (URIs recorded before tokens had none); a
// direct URI is itself.
func blobOf(uri string) string {
	i := strings.Index(uri, "/artifacts/")
	if i < 0 {
		return uri
	}
	segs := strings.Split(uri[i+len("/artifacts/"):], "/")
	if len(segs) < 2 {
		return uri[i:]
	}
	return strings.Join(segs[len(segs)-2:], "/")
}

func short(sum string) string {
	if len(sum) > 12 {
		return sum[:12]
	}
	if sum == "" {
		return "none"
	}
	return sum
}

// encodeStaged and decodeStaged keep staged in the job record.
func encodeStaged(s staged) (json.RawMessage, error) {
	raw, err := json.Marshal(s)
	if err != nil {
		return nil, fmt.Errorf("encoding staged artifacts: %w", err)
	}
	return raw, nil
}

func decodeStaged(raw json.RawMessage) (staged, error) {
	var s staged
	if len(bytes.TrimSpace(raw)) == 0 {
		return s, nil
	}
	if err := json.Unmarshal(raw, &s); err != nil {
		return s, fmt.Errorf("decoding staged artifacts: %w", err)
	}
	return s, nil
}
