package main

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/batchd/batchd/internal/pluginhost"
	"github.com/batchd/batchd/plugins/workload"
	"github.com/batchd/batchd/workloads/sum"
)

// BenchmarkPlan plans a sum job over an input file of 100,000 groups (1,000
// with -short) twice: with the plan code called in-process, and as batchd does it,
// through this binary started as a real plugin process by internal/pluginhost and
// streaming its task specs over gRPC. It reports each wall per plan and the
// ratio grpc/in-process.
func BenchmarkPlan(b *testing.B) {
	groups := 100_000
	if testing.Short() {
		groups = 1000
	}
	input := filepath.Join(b.TempDir(), "groups.txt")
	writeGroups(b, input, groups)
	job := workload.Job{Name: "bench", Params: map[string]any{sum.ParamInput: "file://" + input}, Files: map[string]string{sum.ParamInput: input}}

	// The plugin and its task program, built side by side as make builds them.
	dir := b.TempDir()
	taskProgram := filepath.Join(dir, "batchd-task-sum")
	for out, pkg := range map[string]string{filepath.Join(dir, pluginhost.FileName(pluginhost.KindWorkload, "sum")): ".", taskProgram: "../batchd-task-sum"} {
		if msg, err := exec.Command("go", "build", "-o", out, pkg).CombinedOutput(); err != nil {
			b.Fatalf("building %s: %v\n%s", pkg, err, msg)
		}
	}
	h := pluginhost.New(pluginhost.Config{Dirs: []string{dir}})
	b.Cleanup(func() { h.Close() })
	ctx := context.Background()
	remote, err := h.Workload(ctx, "sum")
	if err != nil {
		b.Fatalf("starting the sum plugin: %v", err)
	}

	var local, grpc time.Duration
	b.ResetTimer()
	for b.Loop() {
		local += planOnce(b, &sum.Workload{TaskProgram: taskProgram}, job, groups)
		grpc += planOnce(b, remote, job, groups)
	}
	b.ReportMetric(local.Seconds()/float64(b.N), "inproc-s/op")
	b.ReportMetric(grpc.Seconds()/float64(b.N), "grpc-s/op")
	b.ReportMetric(grpc.Seconds()/local.Seconds(), "ratio")
}

// planOnce runs one plan, checks it emitted all the groups and returns its wall.
func planOnce(b *testing.B, w workload.Workload, job workload.Job, groups int) time.Duration {
	b.Helper()
	n := 0
	start := time.Now()
	err := w.Plan(context.Background(), job, func(s workload.TaskSpec) error {
		n++
		return nil
	})
	d := time.Since(start)
	if err != nil || n != groups {
		b.Fatalf("Plan: %d specs of %d, %v", n, groups, err)
	}
	return d
}

// writeGroups writes n groups of three numbers, one per line.
func writeGroups(b *testing.B, path string, n int) {
	b.Helper()
	f, err := os.Create(path)
	if err != nil {
		b.Fatal(err)
	}
	w := bufio.NewWriter(f)
	for i := range n {
		fmt.Fprintf(w, "%d %d %d\n", i, i+1, -i)
	}
	if err := w.Flush(); err != nil {
		b.Fatal(err)
	}
	if err := f.Close(); err != nil {
		b.Fatal(err)
	}
}
