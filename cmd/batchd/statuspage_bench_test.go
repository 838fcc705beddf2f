package main

import (
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/batchd/batchd/core/state"
)

// BenchmarkStatusJob measures summarising a job of 10,000 ended tasks
// (2,000 with -short) for the status page: what one poll costs batchd
// while the job runs (statuspage.go serves a snapshot again for 4 times
// as long as it took).
func BenchmarkStatusJob(b *testing.B) {
	n := 10000
	if testing.Short() {
		n = 2000
	}
	db, err := state.Open(b.TempDir(), state.Options{NoSync: true})
	if err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	created := time.Now().Add(-time.Hour)
	if err := db.CreateJob(state.Job{Name: "j", State: state.JobRunning, Tasks: n, Created: created}); err != nil {
		b.Fatal(err)
	}
	plan := make([]state.Planned, n)
	results := make([]state.NewResult, n)
	for i := range plan {
		plan[i] = state.Planned{Seq: uint64(i), ID: fmt.Sprint(i), Label: fmt.Sprintf("%d %d", i, i+1)}
		results[i] = state.NewResult{Job: "j", Seq: uint64(i), Result: state.Result{
			Attempt: 1, Output: json.RawMessage(`"12345"`), Received: created.Add(time.Duration(i) * time.Millisecond)}}
	}
	if err := db.AddPlan("j", plan); err != nil {
		b.Fatal(err)
	}
	for i := range plan {
		db.Launched("j", uint64(i), state.Attempt{N: 1, TaskID: fmt.Sprintf("j/%d/1", i), Agent: "agent-1", Start: created, State: "TASK_FINISHED"})
	}
	if _, err := db.CommitResults(results); err != nil {
		b.Fatal(err)
	}
	j, err := db.Job("j")
	if err != nil {
		b.Fatal(err)
	}
	now := time.Now()
	for b.Loop() {
		s, err := jobStatusOf(db, j, now)
		if err != nil || s.Counts.Done != n {
			b.Fatalf("%v: %+v", err, s.Counts)
		}
	}
}
