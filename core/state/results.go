package state

import (
	"encoding/binary"
	"fmt"
	"sort"

	bolt "go.etcd.io/bbolt"
)

// NewResult is a result to commit for task Seq of Job.
type NewResult struct {
	Job    string
	Seq    uint64
	Result Result
}

// CommitResults stores results and returns once they are durable (one
// transaction, shared with whatever else was queued). A task keeps the
// first result committed for it: kept[i] says whether rs[i] was stored
// (false when its task already had a result, or failed, or its job is gone).
// Each stored result gets its Order.
func (s *Store) CommitResults(rs []NewResult) (kept []bool, err error) {
	kept = make([]bool, len(rs))
	err = s.w.wait(func(tx *bolt.Tx) error {
		counts := map[string]uint64{} // results per job so far, this transaction's included
		for i, r := range rs {
			b := jobBucket(tx, r.Job)
			if b == nil {
				continue
			}
			n, ok := counts[r.Job]
			if !ok {
				n = resultCount(b)
			}
			err := updateTask(tx, r.Job, r.Seq, func(_ *bolt.Bucket, t *Task) bool {
				if t.Result != nil || t.State == TaskFailed {
					return false
				}
				n++
				res := r.Result
				res.Order = n
				t.Result, t.State, t.Error = &res, TaskDone, ""
				kept[i] = true
				return true
			})
			if err != nil {
				return err
			}
			counts[r.Job] = n
		}
		for name, n := range counts {
			if err := jobBucket(tx, name).Put(keyResults, binary.BigEndian.AppendUint64(nil, n)); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("committing %d results: %w", len(rs), err)
	}
	return kept, nil
}

// Results returns the named job's committed results with their tasks, in
// the order they were committed.
func (s *Store) Results(job string) ([]Task, error) {
	var out []Task
	_, err := s.Tasks(job, 0, 0, func(t Task) error {
		if t.Result != nil {
			out = append(out, t)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Result.Order < out[j].Result.Order })
	return out, nil
}

// resultCount reads a job's count of committed results; it is kept apart
// from the job record, which a commit then need not rewrite.
func resultCount(b *bolt.Bucket) uint64 {
	if v := b.Get(keyResults); len(v) == 8 {
		return binary.BigEndian.Uint64(v)
	}
	return 0
}
