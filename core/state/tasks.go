package state

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"time"

	bolt "go.etcd.io/bbolt"
)

// TaskState is where a task is in its life.
type TaskState string

// Task states.
const (
	TaskPending TaskState = "pending" // planned, no attempt launched
	TaskRunning TaskState = "running" // an attempt was launched
	TaskDone    TaskState = "done"    // its result is committed
	TaskFailed  TaskState = "failed"  // failed for good
)

// Task is one planned task's stored record.
type Task struct {
	// Seq is the task's position in the plan, from 0.
	Seq      uint64    `json:"-"`
	ID       string    `json:"id"`
	Label    string    `json:"label,omitempty"`
	State    TaskState `json:"state"`
	Attempts []Attempt `json:"attempts,omitempty"`
	Result   *Result   `json:"result,omitempty"`
	// Error says why a failed task failed.
	Error string `json:"error,omitempty"`
}

// Attempt is one launch of a task.
type Attempt struct {
	N      int    `json:"n"`
	TaskID string `json:"task_id"` // the cluster's task id
	Agent  string `json:"agent,omitempty"`
	// State is the last state the cluster reported, Reason and Message
	// what it said with it.
	State   string    `json:"state,omitempty"`
	Reason  string    `json:"reason,omitempty"`
	Message string    `json:"message,omitempty"`
	Start   time.Time `json:"start"`
	End     time.Time `json:"end,omitzero"`
}

// Result is a task's committed result.
type Result struct {
	Attempt  int             `json:"attempt"`
	Output   json.RawMessage `json:"output"`
	Display  string          `json:"display,omitempty"`
	Received time.Time       `json:"received"`
	// Order is the result's rank among the job's results, from 1.
	Order uint64 `json:"order"`
}

// Planned is one task as the plan stores it.
type Planned struct {
	Seq   uint64
	ID    string
	Label string
	// Spec is the runner's encoding of the task; the store keeps it as is.
	Spec []byte
}

// AddPlan stores a chunk of the named job's plan, durably. Call it in
// order; a restart plans a job whose plan is not whole (JobPlanning) again.
func (s *Store) AddPlan(job string, tasks []Planned) error {
	err := s.w.wait(func(tx *bolt.Tx) error {
		b := jobBucket(tx, job)
		if b == nil {
			return ErrNotFound
		}
		plan, recs := b.Bucket(bucketPlan), b.Bucket(bucketTasks)
		plan.FillPercent, recs.FillPercent = 1, 1 // appended in key order
		for _, t := range tasks {
			if err := plan.Put(seqKey(t.Seq), t.Spec); err != nil {
				return err
			}
			raw, err := json.Marshal(Task{ID: t.ID, Label: t.Label, State: TaskPending})
			if err != nil {
				return err
			}
			if err := recs.Put(seqKey(t.Seq), raw); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("storing the plan of job %s: %w", job, err)
	}
	return nil
}

// Specs reads the stored specs of the named job's tasks seqs, in that order.
func (s *Store) Specs(job string, seqs []uint64) ([][]byte, error) {
	out := make([][]byte, len(seqs))
	err := s.db.View(func(tx *bolt.Tx) error {
		b := jobBucket(tx, job)
		if b == nil {
			return ErrNotFound
		}
		plan := b.Bucket(bucketPlan)
		for i, seq := range seqs {
			v := plan.Get(seqKey(seq))
			if v == nil {
				return fmt.Errorf("task %d: %w", seq, ErrNotFound)
			}
			out[i] = bytes.Clone(v)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("reading the plan of job %s: %w", job, err)
	}
	return out, nil
}

// Tasks calls fn with up to limit (0: all) of the named job's tasks from
// seq from on, in plan order, and returns the seq after the last one read.
// fn must not call the store.
func (s *Store) Tasks(job string, from uint64, limit int, fn func(Task) error) (uint64, error) {
	next := from
	err := s.db.View(func(tx *bolt.Tx) error {
		b := jobBucket(tx, job)
		if b == nil {
			return ErrNotFound
		}
		c := b.Bucket(bucketTasks).Cursor()
		n := 0
		for k, v := c.Seek(seqKey(from)); k != nil && (limit <= 0 || n < limit); k, v = c.Next() {
			t := Task{Seq: binary.BigEndian.Uint64(k)}
			if err := json.Unmarshal(v, &t); err != nil {
				return fmt.Errorf("task %d: decoding: %w", t.Seq, err)
			}
			if err := fn(t); err != nil {
				return err
			}
			next, n = t.Seq+1, n+1
		}
		return nil
	})
	if err != nil {
		return next, fmt.Errorf("reading the tasks of job %s: %w", job, err)
	}
	return next, nil
}

// Launched records attempt a of task seq (it commits with the next write).
func (s *Store) Launched(job string, seq uint64, a Attempt) {
	s.w.async(func(tx *bolt.Tx) error {
		return updateTask(tx, job, seq, func(_ *bolt.Bucket, t *Task) bool {
			if t.State == TaskDone || t.State == TaskFailed {
				return false
			}
			t.State = TaskRunning
			if i := attemptIndex(t, a.N); i >= 0 {
				t.Attempts[i] = a
			} else {
				t.Attempts = append(t.Attempts, a)
			}
			return true
		})
	})
}

// Updated records what the cluster said of attempt n of task seq (it
// commits with the next write). end is set when the attempt ended.
func (s *Store) Updated(job string, seq uint64, n int, agent, st, reason, msg string, end time.Time) {
	s.w.async(func(tx *bolt.Tx) error {
		return updateTask(tx, job, seq, func(_ *bolt.Bucket, t *Task) bool {
			i := attemptIndex(t, n)
			if i < 0 {
				return false
			}
			a := &t.Attempts[i]
			if agent != "" {
				a.Agent = agent
			}
			a.State, a.Reason, a.Message = st, reason, msg
			if !end.IsZero() {
				a.End = end
			}
			return true
		})
	})
}

// Failed records that task seq failed for good (it commits with the next write).
func (s *Store) Failed(job string, seq uint64, why string) {
	s.w.async(func(tx *bolt.Tx) error {
		return updateTask(tx, job, seq, func(_ *bolt.Bucket, t *Task) bool {
			if t.State == TaskDone {
				return false
			}
			t.State, t.Error = TaskFailed, why
			return true
		})
	})
}

// attemptIndex finds attempt n in t.Attempts; -1 if absent.
func attemptIndex(t *Task, n int) int {
	for i := len(t.Attempts) - 1; i >= 0; i-- {
		if t.Attempts[i].N == n {
			return i
		}
	}
	return -1
}

// updateTask reads task seq of job, lets fn change it and writes it back
// when fn says so. A job deleted meanwhile is not an error.
func updateTask(tx *bolt.Tx, job string, seq uint64, fn func(*bolt.Bucket, *Task) bool) error {
	b := jobBucket(tx, job)
	if b == nil {
		return nil
	}
	recs := b.Bucket(bucketTasks)
	k := seqKey(seq)
	v := recs.Get(k)
	if v == nil {
		return fmt.Errorf("job %s: task %d: %w", job, seq, ErrNotFound)
	}
	t := Task{Seq: seq}
	if err := json.Unmarshal(v, &t); err != nil {
		return fmt.Errorf("job %s: task %d: decoding: %w", job, seq, err)
	}
	if !fn(b, &t) {
		return nil
	}
	raw, err := json.Marshal(&t)
	if err != nil {
		return fmt.Errorf("job %s: task %d: encoding: %w", job, seq, err)
	}
	return recs.Put(k, raw)
}
