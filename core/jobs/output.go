package jobs

import (
	"encoding/json"
	"fmt"
	"os"
	"sync"
	"time"
)

// outputLine is one line of a job's output file: a committed result.
type outputLine struct {
	Job      string          `json:"job"`
	Task     string          `json:"task"`
	Label    string          `json:"label,omitempty"`
	Attempt  int             `json:"attempt"`
	Output   json.RawMessage `json:"output"`
	Display  string          `json:"display,omitempty"`
	Received time.Time       `json:"received"`
}

// output appends a job's committed results to its output file as JSON
// lines, in the order they were committed. The store is the durable copy:
// when the job starts or resumes the file is written anew from it, so a
// crash between a commit and its line loses nothing and doubles nothing.
type output struct {
	path string
	mu   sync.Mutex
	f    *os.File
	err  error // the first failed write; later lines are dropped
}

// openOutput writes spec's output file from the store; nil when the job has none.
func (r *Runner) openOutput(spec Spec) (*output, error) {
	if spec.Output == "" {
		return nil, nil
	}
	tmp := spec.Output + ".tmp"
	f, err := os.OpenFile(tmp, os.O_CREATE|os.O_TRUNC|os.O_WRONLY, 0o644)
	if err != nil {
		return nil, fmt.Errorf("job %s: output %s: %w", spec.Name, spec.Output, err)
	}
	o := &output{path: spec.Output, f: f}
	tasks, err := r.cfg.State.Results(spec.Name)
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("job %s: %w", spec.Name, err)
	}
	for _, t := range tasks {
		o.add(outputLine{Job: spec.Name, Task: t.ID, Label: t.Label, Attempt: t.Result.Attempt,
			Output: t.Result.Output, Display: t.Result.Display, Received: t.Result.Received})
	}
	if o.err == nil {
		o.err = os.Rename(tmp, spec.Output)
	}
	if o.err != nil {
		f.Close()
		os.Remove(tmp)
		return nil, fmt.Errorf("job %s: output %s: %w", spec.Name, spec.Output, o.err)
	}
	return o, nil
}

// add appends one line.
func (o *output) add(l outputLine) {
	if o == nil {
		return
	}
	line, err := json.Marshal(l)
	o.mu.Lock()
	defer o.mu.Unlock()
	if o.err != nil {
		return
	}
	if err == nil {
		_, err = o.f.Write(append(line, '\n'))
	}
	if err != nil {
		o.err = fmt.Errorf("writing output %s: %w", o.path, err)
	}
}

// close closes the file.
func (o *output) close() error {
	if o == nil {
		return nil
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	if err := o.f.Close(); o.err == nil && err != nil {
		o.err = fmt.Errorf("closing output %s: %w", o.path, err)
	}
	return o.err
}
