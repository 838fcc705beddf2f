package jobs

import (
	"bufio"
	"encoding/gob"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/batchd/batchd/plugins/workload"
)

// A job's plan and its results live on disk, not in memory: the runner
// checks and stages the whole plan before the first launch (a bad plan
// fails the job with nothing launched), writing each checked task to a plan
// spool, then feeds the scheduler from the spool a window at a time; each
// finished task's result goes to a result spool that Reduce reads back.
// Memory follows the tasks in flight, not the tasks planned.

// planned is one checked task as the plan spool keeps it.
type planned struct {
	ID      string
	Label   string // the workload's label for the task (TaskSpec.Label)
	Command []string
	Env     map[string]string
	CPUs    float64
	MemMB   float64
	Timeout time.Duration
	Data    json.RawMessage
	// URIs indexes the job's distinct staged URI lists (jobURIs.lists).
	URIs int
}

// spool is an append-then-read file of gob-encoded values of one type,
// removed by Close.
type spool[T any] struct {
	f   *os.File
	w   *bufio.Writer
	enc *gob.Encoder
	dec *gob.Decoder
	n   int // values written
}

// newSpool creates a spool file in dir (the system's temporary folder when
// dir is empty) named after what it holds.
func newSpool[T any](dir, what string) (*spool[T], error) {
	if dir != "" {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return nil, fmt.Errorf("creating %s spool in %s: %w", what, dir, err)
		}
	}
	f, err := os.CreateTemp(dir, what+"-*.gob")
	if err != nil {
		return nil, fmt.Errorf("creating %s spool: %w", what, err)
	}
	s := &spool[T]{f: f, w: bufio.NewWriterSize(f, 64<<10)}
	s.enc = gob.NewEncoder(s.w)
	return s, nil
}

// add appends v.
func (s *spool[T]) add(v *T) error {
	if err := s.enc.Encode(v); err != nil {
		return fmt.Errorf("writing spool %s: %w", s.f.Name(), err)
	}
	s.n++
	return nil
}

// rewind ends writing and starts reading from the first value.
func (s *spool[T]) rewind() error {
	if err := s.w.Flush(); err != nil {
		return fmt.Errorf("writing spool %s: %w", s.f.Name(), err)
	}
	if _, err := s.f.Seek(0, io.SeekStart); err != nil {
		return fmt.Errorf("reading spool %s: %w", s.f.Name(), err)
	}
	s.dec = gob.NewDecoder(bufio.NewReaderSize(s.f, 64<<10))
	return nil
}

// next reads the next value; io.EOF after the last.
func (s *spool[T]) next() (T, error) {
	var v T
	if err := s.dec.Decode(&v); err != nil {
		if errors.Is(err, io.EOF) {
			return v, io.EOF
		}
		return v, fmt.Errorf("reading spool %s: %w", s.f.Name(), err)
	}
	return v, nil
}

// Close removes the spool.
func (s *spool[T]) Close() error {
	err := s.f.Close()
	if rerr := os.Remove(s.f.Name()); err == nil {
		err = rerr
	}
	return err
}

// planSpool and resultSpool are a job's two spools.
type (
	planSpool   = spool[planned]
	resultSpool = spool[workload.Result]
)
