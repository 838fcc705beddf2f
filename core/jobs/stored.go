package jobs

import (
	"fmt"
	"io"

	"github.com/batchd/batchd/core/state"
	"github.com/batchd/batchd/plugins/workload"
)

// storePage is how many tasks one read of the store covers.
const storePage = 1024

// resultReader hands Reduce a job's stored results in plan order, a page
// at a time.
type resultReader struct {
	r    *Runner
	job  string
	from uint64
	buf  []workload.Result
	eof  bool
}

func (r *Runner) storedResults(job string) *resultReader { return &resultReader{r: r, job: job} }

// next returns the next result; io.EOF after the last.
func (rr *resultReader) next() (workload.Result, error) {
	for len(rr.buf) == 0 {
		if rr.eof {
			return workload.Result{}, io.EOF
		}
		if err := rr.fill(); err != nil {
			return workload.Result{}, err
		}
	}
	res := rr.buf[0]
	rr.buf = rr.buf[1:]
	return res, nil
}

func (rr *resultReader) fill() error {
	var tasks []state.Task
	n := 0
	next, err := rr.r.cfg.State.Tasks(rr.job, rr.from, storePage, func(t state.Task) error {
		n++
		if t.Result != nil {
			tasks = append(tasks, t)
		}
		return nil
	})
	if err != nil {
		return err
	}
	rr.from, rr.eof = next, n < storePage
	specs, err := rr.r.specs(rr.job, tasks)
	if err != nil {
		return err
	}
	for i, t := range tasks {
		rr.buf = append(rr.buf, workload.Result{TaskID: t.ID, Output: t.Result.Output, Display: t.Result.Display, Data: specs[i].Data})
	}
	return nil
}

// specs reads the stored plan entries of tasks.
func (r *Runner) specs(job string, tasks []state.Task) ([]planned, error) {
	seqs := make([]uint64, len(tasks))
	for i, t := range tasks {
		seqs[i] = t.Seq
	}
	raws, err := r.cfg.State.Specs(job, seqs)
	if err != nil {
		return nil, err
	}
	out := make([]planned, len(raws))
	for i, raw := range raws {
		if out[i], err = decodePlanned(raw); err != nil {
			return nil, fmt.Errorf("job %s: task %s: %w", job, tasks[i].ID, err)
		}
	}
	return out, nil
}

// printStored prints the display lines of a job's stored results, in the
// order they were committed.
func (r *Runner) printStored(job string) error {
	tasks, err := r.cfg.State.Results(job)
	if err != nil {
		return err
	}
	for _, t := range tasks {
		if t.Result.Display != "" {
			r.printf("%s", t.Result.Display)
		}
	}
	return nil
}
