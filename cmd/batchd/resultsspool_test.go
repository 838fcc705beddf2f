package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
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

// BenchmarkResults prints a 20,000-task job as jsonl, read from the store
// (spooled) and through a running batchd's state API.
func BenchmarkResults(b *testing.B) {
	const n = 20000
	dir := b.TempDir()
	db, err := state.Open(dir, state.Options{NoSync: true})
	if err != nil {
		b.Fatal(err)
	}
	if err := db.CreateJob(state.Job{Name: "j", State: state.JobDone, Tasks: n}); err != nil {
		b.Fatal(err)
	}
	plan := make([]state.Planned, n)
	res := make([]state.NewResult, n)
	for i := range plan {
		plan[i] = state.Planned{Seq: uint64(i), ID: fmt.Sprint(i), Label: "1 2 3"}
		res[i] = state.NewResult{Job: "j", Seq: uint64(i), Result: state.Result{Attempt: 1,
			Output: []byte(`{"numbers":["1","2","3"],"sum":"6"}`), Display: "sum of 1 2 3 = 6", Received: time.Now()}}
	}
	if err := db.AddPlan("j", plan); err != nil {
		b.Fatal(err)
	}
	for i := range plan {
		db.Launched("j", uint64(i), state.Attempt{N: 1, TaskID: fmt.Sprint(i), Agent: "agent-S0", Start: time.Now()})
	}
	if _, err := db.CommitResults(res); err != nil {
		b.Fatal(err)
	}
	db.Close()
	cfg := filepath.Join(b.TempDir(), "cluster.toml")
	if err := os.WriteFile(cfg, []byte(fmt.Sprintf("[state]\ndir = %q\n", dir)), 0o644); err != nil {
		b.Fatal(err)
	}
	results := func(b *testing.B) {
		for b.Loop() {
			m := NewMain(io.Discard, io.Discard)
			if code := m.Main(context.Background(), []string{"results", "--config", cfg, "--format", "jsonl"}); code != 0 {
				b.Fatalf("exit %d", code)
			}
			m.Close()
		}
	}
	b.Run("store", results)
	b.Run("api", func(b *testing.B) {
		db, err := state.Open(dir, state.Options{NoSync: true})
		if err != nil {
			b.Fatal(err)
		}
		defer db.Close()
		m := NewMain(io.Discard, io.Discard)
		m.log = slog.New(slog.DiscardHandler)
		mux := http.NewServeMux()
		srv := httptest.NewUnstartedServer(mux)
		if err := m.serveStateAPI(mux, db, dir, srv.Listener.Addr(), ""); err != nil {
			b.Fatal(err)
		}
		srv.Start()
		defer srv.Close()
		defer m.Close()
		results(b)
	})
}
