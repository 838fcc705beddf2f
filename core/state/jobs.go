package state

import (
	"encoding/json"
	"fmt"
	"time"

	bolt "go.etcd.io/bbolt"
)

// JobState is where a job is in its life.
type JobState string

// Job states.
const (
	// JobPlanning: the plan is being written; a restart plans again.
	JobPlanning JobState = "planning"
	// JobRunning: the plan is whole and its tasks run; a restart resumes.
	JobRunning JobState = "running"
	// JobDone: every task has its result and the job was reduced.
	JobDone JobState = "done"
	// JobFailed: some tasks failed for good.
	JobFailed JobState = "failed"
)

// Job is one job's stored record.
type Job struct {
	Name string `json:"name"`
	// Digest identifies Definition; a changed definition changes it.
	Digest string `json:"digest"`
	// Definition is the job as configured (canonical JSON), kept to say
	// what changed when a config no longer matches.
	Definition json.RawMessage `json:"definition"`
	State      JobState        `json:"state"`
	// Tasks is how many tasks the plan has (once running).
	Tasks int `json:"tasks"`
	// Staged is the runner's record of the job's staged artifacts.
	Staged json.RawMessage `json:"staged,omitempty"`
	// Results counts committed results (kept apart in the store, filled in
	// on reading); each result's Order is its rank.
	Results uint64 `json:"-"`
	// Summary is the line printed when the job ended, Error why it failed.
	Summary string    `json:"summary,omitempty"`
	Error   string    `json:"error,omitempty"`
	Created time.Time `json:"created"`
	Ended   time.Time `json:"ended,omitzero"`
}

// Job reads the named job; ErrNotFound when the store has none.
func (s *Store) Job(name string) (Job, error) {
	var j Job
	err := s.db.View(func(tx *bolt.Tx) error {
		b := jobBucket(tx, name)
		if b == nil {
			return ErrNotFound
		}
		return readJob(b, &j)
	})
	if err != nil {
		return Job{}, fmt.Errorf("reading job %s from state store %s: %w", name, s.path, err)
	}
	return j, nil
}

// Jobs lists every stored job, by name.
func (s *Store) Jobs() ([]Job, error) {
	var out []Job
	err := s.db.View(func(tx *bolt.Tx) error {
		jobs := tx.Bucket(bucketJobs)
		if jobs == nil {
			return nil
		}
		return jobs.ForEachBucket(func(name []byte) error {
			var j Job
			if err := readJob(jobs.Bucket(name), &j); err != nil {
				return fmt.Errorf("job %s: %w", name, err)
			}
			out = append(out, j)
			return nil
		})
	})
	if err != nil {
		return nil, fmt.Errorf("reading jobs from state store %s: %w", s.path, err)
	}
	return out, nil
}

// CreateJob stores j as a new job, discarding anything stored under its
// name (its plan, tasks and results), durably.
func (s *Store) CreateJob(j Job) error {
	err := s.w.wait(func(tx *bolt.Tx) error {
		jobs := tx.Bucket(bucketJobs)
		if jobs.Bucket([]byte(j.Name)) != nil {
			if err := jobs.DeleteBucket([]byte(j.Name)); err != nil {
				return err
			}
		}
		b, err := jobs.CreateBucket([]byte(j.Name))
		if err != nil {
			return err
		}
		for _, name := range [][]byte{bucketPlan, bucketTasks} {
			if _, err := b.CreateBucket(name); err != nil {
				return err
			}
		}
		return writeJob(b, &j)
	})
	if err != nil {
		return fmt.Errorf("storing job %s: %w", j.Name, err)
	}
	return nil
}

// UpdateJob changes the named job's record with fn, durably.
func (s *Store) UpdateJob(name string, fn func(*Job)) error {
	err := s.w.wait(func(tx *bolt.Tx) error {
		b := jobBucket(tx, name)
		if b == nil {
			return ErrNotFound
		}
		var j Job
		if err := readJob(b, &j); err != nil {
			return err
		}
		fn(&j)
		return writeJob(b, &j)
	})
	if err != nil {
		return fmt.Errorf("updating job %s: %w", name, err)
	}
	return nil
}

func jobBucket(tx *bolt.Tx, name string) *bolt.Bucket {
	jobs := tx.Bucket(bucketJobs)
	if jobs == nil {
		return nil
	}
	return jobs.Bucket([]byte(name))
}

func readJob(b *bolt.Bucket, j *Job) error {
	raw := b.Get(keyJob)
	if raw == nil {
		return fmt.Errorf("job record missing: %w", ErrNotFound)
	}
	if err := json.Unmarshal(raw, j); err != nil {
		return fmt.Errorf("decoding job record: %w", err)
	}
	j.Results = resultCount(b)
	return nil
}

func writeJob(b *bolt.Bucket, j *Job) error {
	raw, err := json.Marshal(j)
	if err != nil {
		return fmt.Errorf("encoding job record: %w", err)
	}
	return b.Put(keyJob, raw)
}
