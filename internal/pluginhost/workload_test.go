package pluginhost

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/batchd/batchd/plugins/workload"
)

func collect(t *testing.T, w workload.Workload, job workload.Job) ([]workload.TaskSpec, error) {
	t.Helper()
	var specs []workload.TaskSpec
	err := w.Plan(context.Background(), job, func(s workload.TaskSpec) error {
		specs = append(specs, s)
		return nil
	})
	return specs, err
}

func TestWorkloadPlanAndReduce(t *testing.T) {
	h := newHost(t, Config{Dirs: []string{pluginDir(t, map[string]string{"batchd-workload-good": "batchd-workload-good"})}})
	ctx := context.Background()
	w, err := h.Workload(ctx, "good")
	if err != nil {
		t.Fatalf("Workload: %v", err)
	}
	info, err := w.Describe(ctx)
	if err != nil || info.Version != "1.2.3" || len(info.Params) != 1 || info.Params[0].Type != workload.ParamList {
		t.Fatalf("Describe = %+v, %v", info, err)
	}
	job := workload.Job{Name: "sums", Params: map[string]any{"groups": []any{"1 2 3", "4 5 6"}}}
	specs, err := collect(t, w, job)
	if err != nil {
		t.Fatalf("Plan: %v", err)
	}
	if len(specs) != 2 || specs[1].Command[1] != "4 5 6" || string(specs[1].Data) != `"4 5 6"` || specs[1].Label != "4 5 6" {
		t.Fatalf("specs = %+v", specs)
	}
	results := []workload.Result{{TaskID: "0", Output: json.RawMessage("6")}, {TaskID: "1", Output: json.RawMessage("15")}}
	sum, err := w.Reduce(ctx, job, func() (workload.Result, error) {
		if len(results) == 0 {
			return workload.Result{}, io.EOF
		}
		r := results[0]
		results = results[1:]
		return r, nil
	})
	if err != nil || sum.Text != "total 21" || string(sum.Output) != "21" {
		t.Fatalf("Reduce = %+v, %v", sum, err)
	}
	// The client is cached: asking again gives the same process.
	pid := pidOf(t, h, KindWorkload, "good")
	if _, err := h.Workload(ctx, "good"); err != nil || pidOf(t, h, KindWorkload, "good") != pid {
		t.Fatalf("second Workload: %v, pid %d then %d", err, pid, pidOf(t, h, KindWorkload, "good"))
	}
	h.Close()
	if alive(pid) {
		t.Errorf("plugin process %d alive after Close", pid)
	}
	if _, err := h.Workload(ctx, "good"); !errors.Is(err, ErrClosed) {
		t.Errorf("Workload after Close: %v, want ErrClosed", err)
	}
}

func TestWorkloadErrorKeepsPluginMessage(t *testing.T) {
	h := newHost(t, Config{Dirs: []string{pluginDir(t, map[string]string{"batchd-workload-good": "batchd-workload-good"})}})
	w, err := h.Workload(context.Background(), "good")
	if err != nil {
		t.Fatalf("Workload: %v", err)
	}
	_, err = collect(t, w, workload.Job{Params: map[string]any{"groups": []any{"1 2 3", "4 x 6"}}})
	if !errors.Is(err, workload.ErrInvalidParams) {
		t.Fatalf("Plan error %v does not match ErrInvalidParams", err)
	}
	for _, want := range []string{`workload plugin "good"`, `group 2 "4 x 6": "x" is not an integer`} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("Plan error %q lacks %q", err, want)
		}
	}
}

func TestPlanManyTasksFromProcess(t *testing.T) {
	h := newHost(t, Config{Dirs: []string{pluginDir(t, map[string]string{"batchd-workload-good": "batchd-workload-good"})}})
	w, err := h.Workload(context.Background(), "good")
	if err != nil {
		t.Fatalf("Workload: %v", err)
	}
	start := time.Now()
	specs, err := collect(t, w, workload.Job{Params: map[string]any{"n": 100000}})
	if err != nil || len(specs) != 100000 || specs[99999].ID != "99999" {
		t.Fatalf("Plan: %d specs, %v", len(specs), err)
	}
	t.Logf("planned 100000 tasks in %v", time.Since(start))
}

func TestPlanCancellationReachesProcess(t *testing.T) {
	h := newHost(t, Config{Dirs: []string{pluginDir(t, map[string]string{"batchd-workload-good": "batchd-workload-good"})}})
	w, err := h.Workload(context.Background(), "good")
	if err != nil {
		t.Fatalf("Workload: %v", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	err = w.Plan(ctx, workload.Job{Params: map[string]any{"block": true}}, func(workload.TaskSpec) error { return nil })
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Plan: %v, want DeadlineExceeded", err)
	}
	// The plugin is still healthy.
	if _, err := w.Describe(context.Background()); err != nil {
		t.Fatalf("Describe after cancelled Plan: %v", err)
	}
}

func TestCrashMidPlan(t *testing.T) {
	h := newHost(t, Config{Dirs: []string{pluginDir(t, map[string]string{"batchd-workload-crash": "batchd-workload-crash"})}})
	ctx := context.Background()
	w, err := h.Workload(ctx, "crash")
	if err != nil {
		t.Fatalf("Workload: %v", err)
	}
	pid := pidOf(t, h, KindWorkload, "crash")
	_, err = collect(t, w, workload.Job{})
	if !errors.Is(err, ErrCrashed) || !strings.Contains(err.Error(), `workload plugin "crash"`) {
		t.Fatalf("Plan error %v, want ErrCrashed naming the plugin", err)
	}
	if testing.Verbose() {
		t.Logf("crash error: %v", err)
	}
	// The next use relaunches it.
	w, err = h.Workload(ctx, "crash")
	if err != nil {
		t.Fatalf("Workload after crash: %v", err)
	}
	if info, err := w.Describe(ctx); err != nil || info.Name != "crash" {
		t.Fatalf("Describe after relaunch: %+v, %v", info, err)
	}
	if pid2 := pidOf(t, h, KindWorkload, "crash"); pid2 == pid || alive(pid) {
		t.Errorf("relaunch: pid %d then %d (old alive: %v)", pid, pid2, alive(pid))
	}
}

func TestHungPluginIsBoundedAndKilled(t *testing.T) {
	h := newHost(t, Config{
		Dirs:        []string{pluginDir(t, map[string]string{"batchd-workload-hang": "batchd-workload-hang"})},
		CallTimeout: 300 * time.Millisecond,
	})
	w, err := h.Workload(context.Background(), "hang")
	if err != nil {
		t.Fatalf("Workload: %v", err)
	}
	pid := pidOf(t, h, KindWorkload, "hang")
	if _, err := w.Describe(context.Background()); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("Describe: %v, want DeadlineExceeded after CallTimeout", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	err = w.Plan(ctx, workload.Job{}, func(workload.TaskSpec) error { return nil })
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("Plan: %v, want DeadlineExceeded from the caller's ctx", err)
	}
	h.Close()
	if alive(pid) {
		t.Errorf("hung plugin %d alive after Close", pid)
	}
}

func TestPluginLogsReachLogger(t *testing.T) {
	rec := newRecorder()
	h := newHost(t, Config{
		Dirs:   []string{pluginDir(t, map[string]string{"batchd-workload-good": "batchd-workload-good"})},
		Logger: slog.New(rec),
	})
	w, err := h.Workload(context.Background(), "good")
	if err != nil {
		t.Fatalf("Workload: %v", err)
	}
	if _, err := collect(t, w, workload.Job{Name: "logged"}); err != nil {
		t.Fatalf("Plan: %v", err)
	}
	// The plugin's log lines (its real stderr) and what it writes to
	// os.Stderr (go-plugin's stdio stream) arrive on their own.
	attrs, ok := rec.wait("planning")
	if !ok {
		t.Fatalf("no \"planning\" record among %d", len(rec.records))
	}
	if attrs["plugin"] != "good" || attrs["kind"] != "workload" || attrs["job"] != "logged" {
		t.Errorf("planning record attrs = %v", attrs)
	}
	if attrs, ok := rec.wait("plain stderr line"); !ok || attrs["plugin"] != "good" || attrs["stream"] != "stderr" {
		t.Errorf("plain stderr line: found %v, attrs %v", ok, attrs)
	}
}

func TestCloseKillsFrozenPlugin(t *testing.T) {
	h := newHost(t, Config{Dirs: []string{pluginDir(t, map[string]string{"batchd-workload-good": "batchd-workload-good"})}})
	h.killGrace = 200 * time.Millisecond
	if _, err := h.Workload(context.Background(), "good"); err != nil {
		t.Fatalf("Workload: %v", err)
	}
	pid := pidOf(t, h, KindWorkload, "good")
	// A stopped process cannot answer go-plugin's shutdown request.
	if err := syscall.Kill(pid, syscall.SIGSTOP); err != nil {
		t.Fatal(err)
	}
	h.Close()
	if alive(pid) {
		t.Errorf("frozen plugin %d alive after Close", pid)
	}
}
