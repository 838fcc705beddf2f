package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/batchd/batchd/core/state"
)

// crashTasks is the size of the job TestKilledAndResumed kills batchd in.
const crashTasks = 1200

// TestKilledAndResumed kills batchd with SIGKILL five times at random
// moments of a 1,200-task sum job on the embedded cluster, runs it a sixth
// time to the end, and checks what a user relies on: every result exactly
// once with the exact total, no finished task run again, the last run's
// output whole (each line once), the output file whole, and no process
// left behind.
func TestKilledAndResumed(t *testing.T) {
	if testing.Short() {
		t.Skip("kills batchd five times in a 1,200-task job; not in -short")
	}
	dir := t.TempDir()
	var groups []string
	want := 0
	for i := range crashTasks {
		groups = append(groups, fmt.Sprintf("%q", fmt.Sprintf("%d 1", i)))
		want += i + 1
	}
	outFile := filepath.Join(dir, "out.jsonl")
	config := writeConfig(t, fmt.Sprintf(`
[state]
dir = %q

[local]
cpus = 2
mem = "2GiB"

[[job]]
name = "crash"
workload = "sum"
cpus = 0.1
mem = "16MiB"
output = %q

[job.params]
groups = [%s]
`, filepath.Join(dir, "state"), outFile, strings.Join(groups, ", ")))

	rng := rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), 7))
	progress, targets := make([]int, 0, 5), make([]int, 0, 5)
	for kill := range 5 {
		b := startBatchdProcess(t, "--config", config)
		// A random moment of the job, never its end: when this run has
		// printed a random number of result lines (a resumed run prints
		// those it keeps first), from none (planning) to 1,000 of 1,200.
		target := kill*200 + rng.IntN(200)
		if !poll(2*time.Minute, func() bool { return b.exited() || countLines(b.stdout.String(), "sum of ") >= target }) || b.exited() {
			t.Fatalf("kill %d: batchd ended or stalled before printing %d result lines\nstderr:\n%s", kill+1, target, tail(b.stderr.String()))
		}
		all := descendants(t, b.cmd.Process.Pid)
		b.cmd.Process.Kill()
		if code := b.wait(t, time.Minute); code != -1 {
			t.Fatalf("kill %d: exit code %d, want death by SIGKILL", kill+1, code)
		}
		wantGone(t, all)
		// The output file, read while the job is unfinished: whole lines,
		// each task once, at least every result this run printed (a line is
		// printed after its result is committed and appended).
		if printed := countLines(b.stdout.String(), "sum of "); printed > 0 {
			if lines, tasks := readOutput(t, outFile); lines != len(tasks) || lines < printed {
				t.Errorf("kill %d: output file has %d lines for %d tasks; the run printed %d results", kill+1, lines, len(tasks), printed)
			}
		}
		progress = append(progress, countLines(b.stdout.String(), "sum of "))
		targets = append(targets, target)
	}
	b := startBatchdProcess(t, "--config", config)
	if code := b.wait(t, 5*time.Minute); code != 0 {
		t.Fatalf("the run after the kills: exit %d\nstderr:\n%s", code, tail(b.stderr.String()))
	}
	t.Logf("killed after %v result lines (printed by then: %v); the last run printed %d", targets, progress, countLines(b.stdout.String(), "sum of "))

	summary := fmt.Sprintf("job crash: %d tasks finished, total %d", crashTasks, want)
	if !strings.Contains(b.stdout.String(), summary) {
		t.Errorf("last run's stdout has no %q:\n%s", summary, tail(b.stdout.String()))
	}
	// The last run's output is whole: every result line exactly once (the
	// lines of results kept from the killed runs first), as an
	// uninterrupted run's would be.
	seen := map[string]int{}
	for _, line := range strings.Split(b.stdout.String(), "\n") {
		if strings.HasPrefix(line, "sum of ") {
			seen[line]++
			if seen[line] == 2 {
				t.Errorf("result line printed twice: %q", line)
			}
		}
	}
	if len(seen) != crashTasks {
		t.Errorf("the last run printed %d distinct result lines, want %d", len(seen), crashTasks)
	}
	db, err := state.Open(filepath.Join(dir, "state"), state.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	done, rerun := 0, 0
	if _, err := db.Tasks("crash", 0, 0, func(tk state.Task) error {
		if tk.Result == nil {
			t.Errorf("task %s: no result (state %s)", tk.ID, tk.State)
			return nil
		}
		done++
		var out struct{ Sum string }
		if err := json.Unmarshal(tk.Result.Output, &out); err != nil || out.Sum != strconv.Itoa(int(tk.Seq)+1) {
			t.Errorf("task %s: output %s, want sum %d", tk.ID, tk.Result.Output, tk.Seq+1)
		}
		for _, a := range tk.Attempts {
			if a.N > tk.Result.Attempt {
				rerun++ // an attempt after the one whose result was kept
			}
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if done != crashTasks || rerun != 0 {
		t.Errorf("%d of %d tasks have their result; %d attempts ran after a task's result was kept, want 0", done, crashTasks, rerun)
	}
	lines, tasks := readOutput(t, outFile)
	if lines != crashTasks || len(tasks) != crashTasks {
		t.Errorf("output file: %d lines for %d distinct tasks, want %d each", lines, len(tasks), crashTasks)
	}
}

func countLines(s, prefix string) int {
	n := 0
	for _, line := range strings.Split(s, "\n") {
		if strings.HasPrefix(line, prefix) {
			n++
		}
	}
	return n
}

// readOutput counts a job output file's lines and distinct tasks.
func readOutput(t *testing.T, path string) (int, map[string]bool) {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	tasks := map[string]bool{}
	n := 0
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		var l struct{ Task string }
		if err := json.Unmarshal(sc.Bytes(), &l); err != nil {
			t.Fatalf("output line %d: %v", n+1, err)
		}
		n++
		tasks[l.Task] = true
	}
	return n, tasks
}

// TestKilledOnStandaloneCluster kills batchd with SIGKILL while its tasks
// run on a standalone `batchd local-cluster`, which keeps them running. The
// tasks finish their work while batchd is down and keep posting; batchd
// started again re-registers as the same framework, on the same collector
// address with the same tokens, takes their results, and runs nothing again.
func TestKilledOnStandaloneCluster(t *testing.T) {
	if testing.Short() {
		t.Skip("kills batchd in a job on a standalone cluster; not in -short")
	}
	const n = 6
	master := startLocalCluster(t)
	dir := t.TempDir()
	config := writeConfig(t, fmt.Sprintf("[cluster]\nmaster = %q\n[state]\ndir = %q\n\n%s", master, filepath.Join(dir, "state"),
		testworkJob("w", "wait", n, 0, fmt.Sprintf("state = %q", dir))))

	b := startBatchdProcess(t, "--config", config)
	var running []proc
	if !poll(time.Minute, func() bool { running = waitingTasks(t, os.Getpid()); return len(running) == n }) {
		t.Fatalf("%d of %d tasks running after a minute\nstderr:\n%s", len(running), n, tail(b.stderr.String()))
	}
	mine := descendants(t, b.cmd.Process.Pid) // its plugins
	b.cmd.Process.Kill()
	if code := b.wait(t, time.Minute); code != -1 {
		t.Fatalf("exit code %d, want death by SIGKILL", code)
	}
	wantGone(t, mine)
	for _, p := range running {
		if !p.alive() {
			t.Fatalf("task %d (%s) died with batchd; the standalone cluster should keep it", p.pid, p.cmdline)
		}
	}
	// The tasks finish their work now and post to a batchd that is down:
	// they retry until it is back.
	if err := os.WriteFile(filepath.Join(dir, "release"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	time.Sleep(time.Second) // let them meet the closed port (no sync: the point is the gap)

	b = startBatchdProcess(t, "--config", config)
	if code := b.wait(t, 2*time.Minute); code != 0 {
		t.Fatalf("restarted batchd: exit %d\nstderr:\n%s", code, tail(b.stderr.String()))
	}
	if want := fmt.Sprintf("job w: %d tasks finished, reduced %d", n, n); !strings.Contains(b.stdout.String(), want) {
		t.Errorf("stdout has no %q:\n%s", want, b.stdout.String())
	}
	for _, s := range []string{"re-registering with the stored framework id", "resuming job"} {
		if !strings.Contains(b.stderr.String(), s) {
			t.Errorf("stderr does not say %q", s)
		}
	}
	db, err := state.Open(filepath.Join(dir, "state"), state.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Tasks("w", 0, 0, func(tk state.Task) error {
		if tk.Result == nil || len(tk.Attempts) != 1 || tk.Result.Attempt != 1 {
			t.Errorf("task %s: attempts %+v, result %+v; want its one attempt's result", tk.ID, tk.Attempts, tk.Result)
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
}

// TestStoredFrameworkRemoved: batchd is killed and stays down longer than
// its failover_timeout, so the master removes its framework and its tasks.
// The next run is refused as that framework: it says so, forgets the id,
// and the run after it resumes the job as a new framework.
func TestStoredFrameworkRemoved(t *testing.T) {
	if testing.Short() {
		t.Skip("kills batchd on a standalone cluster; not in -short")
	}
	const n = 2
	master := startLocalCluster(t)
	dir := t.TempDir()
	config := writeConfig(t, fmt.Sprintf("[cluster]\nmaster = %q\nfailover_timeout = \"1s\"\n[state]\ndir = %q\n\n%s", master, filepath.Join(dir, "state"),
		testworkJob("w", "wait", n, 0, fmt.Sprintf("state = %q", dir))))
	b := startBatchdProcess(t, "--config", config)
	if !poll(time.Minute, func() bool { return len(waitingTasks(t, os.Getpid())) == n }) {
		t.Fatalf("tasks not running after a minute\nstderr:\n%s", tail(b.stderr.String()))
	}
	b.cmd.Process.Kill()
	b.wait(t, time.Minute)
	if !poll(time.Minute, func() bool { return len(waitingTasks(t, os.Getpid())) == 0 }) { // torn down after failover_timeout
		t.Fatal("the cluster did not remove the framework's tasks after its failover timeout")
	}
	release(t, dir)

	b = startBatchdProcess(t, "--config", config)
	if code := b.wait(t, time.Minute); code != 1 || !strings.Contains(b.stderr.String(), "Framework has been removed") ||
		!strings.Contains(b.stderr.String(), "is forgotten: run again") {
		t.Fatalf("run as the removed framework: exit %d, want 1 saying the id is forgotten\nstderr:\n%s", code, tail(b.stderr.String()))
	}
	b = startBatchdProcess(t, "--config", config)
	if code := b.wait(t, time.Minute); code != 0 {
		t.Fatalf("run as a new framework: exit %d\nstderr:\n%s", code, tail(b.stderr.String()))
	}
	if want := fmt.Sprintf("job w: %d tasks finished, reduced %d", n, n); !strings.Contains(b.stdout.String(), want) {
		t.Errorf("stdout has no %q:\n%s", want, b.stdout.String())
	}
}

// TestChangedDefinitionRefused: an unfinished job whose definition changed
// is refused, naming what changed and how to start over; --fresh does.
func TestChangedDefinitionRefused(t *testing.T) {
	dir := t.TempDir()
	config := func(n int) string {
		return writeConfig(t, fmt.Sprintf("[state]\ndir = %q\n\n%s", filepath.Join(dir, "state"),
			testworkJob("w", "wait", n, 0, fmt.Sprintf("state = %q", dir))))
	}
	b := startBatchdProcess(t, "--config", config(2))
	waitForWaiting(t, b, 2)
	b.cmd.Process.Kill()
	b.wait(t, time.Minute)

	code, _, errOut := run(t, time.Minute, "--config", config(3))
	for _, want := range []string{"job w: job changed since it was stored: params.tasks differs", "running", "--fresh"} {
		if code != exitUsage || !strings.Contains(errOut, want) {
			t.Errorf("changed definition: exit %d, stderr has no %q:\n%s", code, want, tail(errOut))
		}
	}
	release(t, dir)
	code, out, errOut := run(t, time.Minute, "--config", config(3), "--fresh")
	if code != 0 || !strings.Contains(out, "job w: 3 tasks finished, reduced 3") {
		t.Fatalf("--fresh: exit %d\nstdout:\n%s\nstderr:\n%s", code, out, tail(errOut))
	}
	code, out, _ = run(t, time.Minute, "--config", config(3))
	if code != 0 || strings.TrimSpace(out) != "job w: 3 tasks finished, reduced 3" {
		t.Errorf("finished job run again: exit %d, stdout:\n%s\nwant only its stored summary", code, out)
	}
}

// waitForWaiting waits until batchd runs n testwork "wait" tasks.
func waitForWaiting(t *testing.T, b *batchdProcess, n int) {
	t.Helper()
	ok := poll(time.Minute, func() bool { return len(waitingTasks(t, b.cmd.Process.Pid)) == n })
	if !ok {
		t.Fatalf("%d tasks not running after a minute\nstderr:\n%s", n, tail(b.stderr.String()))
	}
}

// waitingTasks lists the testwork "wait" tasks below process root.
func waitingTasks(t *testing.T, root int) []proc {
	t.Helper()
	var out []proc
	for _, p := range descendants(t, root) {
		if strings.Contains(p.cmdline, "batchd-workload-testwork task wait") {
			out = append(out, p)
		}
	}
	return out
}
