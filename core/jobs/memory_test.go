package jobs

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/batchd/batchd/core/collector"
	"github.com/batchd/batchd/core/sched"
	"github.com/batchd/batchd/core/staging"
	"github.com/batchd/batchd/core/state"
	"github.com/batchd/batchd/plugins/workload"
)

var (
	memTasks = flag.Int("memtasks", 2000, "tasks per job in BenchmarkJobMemory")
	memSlots = flag.Int("memslots", 200, "slots of the fake cluster in BenchmarkJobMemory")
	memHeap  = flag.String("memheap", "", "write a heap profile taken when the job reduces to this file")
)

// sumLike plans n tasks shaped like the sum workload's: a command of a few
// numbers, the shared task program as an artifact, the group as Data. At
// Reduce it calls atReduce before reading the results.
func sumLike(n int, atReduce func()) *workload.Fake {
	return &workload.Fake{
		DescribeFunc: func(context.Context) (workload.Info, error) { return workload.Info{Name: "sum"}, nil },
		PlanFunc: func(ctx context.Context, job workload.Job, emit func(workload.TaskSpec) error) error {
			for i := range n {
				a, b, c := fmt.Sprint(i), fmt.Sprint(i+1), fmt.Sprint(i+2)
				group := a + " " + b + " " + c
				err := emit(workload.TaskSpec{
					ID: fmt.Sprint(i), Name: "sum " + group,
					Command:   []string{"./batchd-task-sum", "task", a, b, c},
					Artifacts: []workload.Artifact{{URI: "file:///opt/batchd/batchd-task-sum", Executable: true, Cache: true}},
					Data:      []byte(`"` + group + `"`),
				})
				if err != nil {
					return err
				}
			}
			return nil
		},
		ReduceFunc: func(ctx context.Context, job workload.Job, next func() (workload.Result, error)) (workload.Summary, error) {
			atReduce()
			k := 0
			for {
				if _, err := next(); errors.Is(err, io.EOF) {
					break
				} else if err != nil {
					return workload.Summary{}, err
				}
				k++
			}
			return workload.Summary{Text: fmt.Sprintf("reduced %d", k)}, nil
		},
	}
}

// heapInUse is the live heap after a collection.
func heapInUse() uint64 {
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return ms.HeapAlloc
}

// BenchmarkJobMemory runs one job of -memtasks sum-like tasks through the
// real runner, scheduler, collector and staging store on a fake cluster of
// -memslots slots whose tasks post their results at once. It reports the
// heap retained per task when the job reduces (what batchd holds for every
// task to the end), the peak heap sampled during the run, the process's
// peak RSS and tasks/s. With -short the job has at most 200 tasks.
func BenchmarkJobMemory(b *testing.B) {
	n := *memTasks
	if testing.Short() {
		n = min(n, 200) // make's bench-once: that it runs, not what it measures
	}
	for range b.N {
		dir := b.TempDir()
		store, err := staging.Open(filepath.Join(dir, "staging"), staging.Options{})
		if err != nil {
			b.Fatal(err)
		}
		db, err := state.Open(filepath.Join(dir, "state"), state.Options{})
		if err != nil {
			b.Fatal(err)
		}
		var r *Runner
		coll, err := collector.New(collector.Options{
			Committer: committer(func(rs []collector.Result) error { return r.Commit(rs) }),
			OnResult:  func(res collector.Result) { r.Result(res) },
		})
		if err != nil {
			b.Fatal(err)
		}
		cl := newSlotCluster(*memSlots, 0.01, coll.Handler())
		s := sched.New(cl, sched.Config{})
		var fetches atomic.Int32
		base := heapInUse()
		var atReduce uint64
		wl := sumLike(n, func() {
			atReduce = heapInUse()
			if *memHeap != "" {
				f, err := os.Create(*memHeap)
				if err == nil {
					err = pprof.WriteHeapProfile(f)
					f.Close()
				}
				if err != nil {
					b.Error(err)
				}
			}
		})
		r = New(Config{
			Plugins: fakePlugins{wl: wl, f: writingFetcher("#!/bin/sh\n", &fetches)}, Store: store,
			Collector: coll, Scheduler: s, Advertise: "http://batchd.test:1234", InputDir: filepath.Join(dir, "inputs"),
			State: db,
		})
		ctx, cancel := context.WithCancel(context.Background())
		var wg sync.WaitGroup
		wg.Go(func() { s.Run(ctx) })
		wg.Go(func() { r.Dispatch(ctx) })
		var peak atomic.Uint64
		stopSampling := make(chan struct{})
		wg.Go(func() { sampleHeap(&peak, stopSampling) })

		start := time.Now()
		rep, err := r.Run(ctx, Spec{Name: "j", Workload: "sum", CPUs: 0.01, MemMB: 64})
		elapsed := time.Since(start)
		close(stopSampling)
		cancel()
		wg.Wait()
		coll.Close()
		store.Close()
		db.Close()
		if err != nil {
			b.Fatalf("Run: %v", err)
		}
		if rep.Finished != n {
			b.Fatalf("%d of %d tasks finished", rep.Finished, n)
		}
		b.ReportMetric((float64(atReduce)-float64(base))/float64(n), "retained-B/task")
		b.ReportMetric((float64(peak.Load())-float64(base))/(1<<20), "peak-heap-MB")
		b.ReportMetric(float64(n)/elapsed.Seconds(), "tasks/s")
		if hwm, ok := peakRSS(); ok {
			b.ReportMetric(float64(hwm)/(1<<20), "process-peak-RSS-MB")
		}
	}
}

// peakRSS is the process's peak resident set (Linux's VmHWM), in bytes.
func peakRSS() (uint64, bool) {
	data, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0, false
	}
	for _, line := range strings.Split(string(data), "\n") {
		if v, ok := strings.CutPrefix(line, "VmHWM:"); ok {
			kb, err := strconv.ParseUint(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
			return kb << 10, err == nil
		}
	}
	return 0, false
}

// sampleHeap keeps the largest heap in use seen every 10ms until stop.
func sampleHeap(peak *atomic.Uint64, stop <-chan struct{}) {
	t := time.NewTicker(10 * time.Millisecond)
	defer t.Stop()
	for {
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		if ms.HeapAlloc > peak.Load() {
			peak.Store(ms.HeapAlloc)
		}
		select {
		case <-stop:
			return
		case <-t.C:
		}
	}
}
