package state

import (
	"encoding/json"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// BenchmarkTaskLife runs what the store sees of one task, 20 tasks at a
// time as the bench suite's job does: its launch, its RUNNING update, its
// result (waited for: durable) and its FINISHED update. One op is one
// task; sync=false is the cost without fsyncs.
func BenchmarkTaskLife(b *testing.B) {
	for _, durable := range []bool{true, false} {
		b.Run(fmt.Sprintf("sync=%v", durable), func(b *testing.B) {
			s, err := Open(b.TempDir(), Options{NoSync: !durable})
			if err != nil {
				b.Fatal(err)
			}
			defer s.Close()
			plan := make([]Planned, b.N)
			for i := range plan {
				plan[i] = Planned{Seq: uint64(i), ID: fmt.Sprint(i), Label: "1 2", Spec: []byte(`{"id":"x","command":["./batchd-task-sum","1","2"],"uris":0}`)}
			}
			if err := s.CreateJob(Job{Name: "j", State: JobRunning}); err != nil {
				b.Fatal(err)
			}
			for i := 0; i < len(plan); i += 1024 {
				if err := s.AddPlan("j", plan[i:min(i+1024, len(plan))]); err != nil {
					b.Fatal(err)
				}
			}
			next := make(chan int)
			var waited atomic.Int64
			var wg sync.WaitGroup
			b.ResetTimer()
			for range 20 {
				wg.Go(func() {
					for i := range next {
						seq := uint64(i)
						s.Launched("j", seq, Attempt{N: 1, TaskID: fmt.Sprint(i), Agent: "a", Start: time.Now()})
						s.Updated("j", seq, 1, "a", "TASK_RUNNING", "", "", time.Time{})
						t0 := time.Now()
						if _, err := s.CommitResults([]NewResult{{Job: "j", Seq: seq, Result: Result{Attempt: 1, Output: json.RawMessage(`{"sum":"3"}`), Display: "sum of 1 2 = 3"}}}); err != nil {
							b.Error(err)
						}
						waited.Add(int64(time.Since(t0)))
						s.Updated("j", seq, 1, "a", "TASK_FINISHED", "", "", time.Now())
					}
				})
			}
			for i := range b.N {
				next <- i
			}
			close(next)
			wg.Wait()
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "tasks/s")
			b.ReportMetric(float64(waited.Load())/float64(b.N)/1e6, "ms/result")
		})
	}
}
