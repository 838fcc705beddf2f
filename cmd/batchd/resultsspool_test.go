package main

import (
	"context"
	"fmt"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/batchd/batchd/core/state"
)

// lockProbe is a stdout that, at its first write, checks a batchd could
// open the store then.
type lockProbe struct {
	dir    string
	probed bool
	err    error
	out    strings.Builder
}

func (p *lockProbe) Write(b []byte) (int, error) {
	if !p.probed {
		p.probed = true
		db, err := state.Open(p.dir, state.Options{LockTimeout: 100 * time.Millisecond})
		if err == nil {
			err = db.Close()
		}
		p.err = err
	}
	return p.out.Write(b)
}

// TestResultsLetGoOfTheStore checks `batchd results` no longer holds the
// store when it prints, so a batchd can start while its output is read.
func TestResultsLetGoOfTheStore(t *testing.T) {
	dir := t.TempDir()
	db, err := state.Open(dir, state.Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	if err := db.CreateJob(state.Job{Name: "j", State: state.JobRunning, Tasks: 3000}); err != nil {
		t.Fatal(err)
	}
	plan := make([]state.Planned, 3000) // more than a page
	for i := range plan {
		plan[i] = state.Planned{Seq: uint64(i), ID: fmt.Sprint(i)}
	}
	if err := db.AddPlan("j", plan); err != nil {
		t.Fatal(err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	path := writeConfig(t, fmt.Sprintf("[state]\ndir = %q\n", dir))
	for _, format := range resultFormats {
		t.Run(format, func(t *testing.T) {
			probe := &lockProbe{dir: dir}
			m := NewMain(probe, io.Discard)
			code := m.Main(context.Background(), []string{"results", "--config", path, "--format", format})
			m.Close()
			if code != 0 {
				t.Fatalf("exit %d", code)
			}
			if !probe.probed || probe.err != nil {
				t.Errorf("opening the store while results prints: %v", probe.err)
			}
			if n := strings.Count(probe.out.String(), "\n"); n < 3000 {
				t.Errorf("%d lines printed, want a line per task", n)
			}
		})
	}
}
