package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/batchd/batchd/internal/mesoskit"
)

// TestRealMesosAgentLost kills the agent running every task of a job: the
// master declares it lost after its ping timeouts, batchd retries the tasks
// on a second agent, and counts each result once.
func TestRealMesosAgentLost(t *testing.T) {
	opts := realMesosOptions
	opts.MasterFlags = append(slices.Clone(opts.MasterFlags), "--agent_ping_timeout=1secs", "--max_agent_ping_timeouts=3")
	c := mesoskit.Start(t, opts)
	c.RequireLocal(t, "killing an agent mid-job")
	first := c.Agents()[0]
	state := t.TempDir()
	const n = 4
	r := startBatchd(t, 3*time.Minute, "--config", realConfig(t, c, "e2e-agentlost", waitJob("lost", state, n)))
	waitRunning(t, c, r, first.ID, n)

	second := c.AddAgent()
	c.KillAgent(first) // with its executors and tasks, as a dead machine
	release(t, state)  // only the retries on the second agent can report now
	code, out, errOut := r.wait()
	if code != 0 {
		t.Fatalf("exit %d\nstdout:\n%s\nstderr:\n%s", code, out, tail(errOut))
	}
	wantLines(t, "stdout", out, fmt.Sprintf("job lost: %d tasks finished, reduced %d", n, n))
	wantEachOnce(t, out, n)
	wantLines(t, "stderr", errOut, "TASK_LOST")

	byID := map[string]mesoskit.Task{}
	for _, tk := range frameworkTasks(t, c, errOut) {
		byID[tk.ID] = tk
	}
	for i := 0; i < n; i++ {
		lost, retry := byID[fmt.Sprintf("lost.%d.1", i)], byID[fmt.Sprintf("lost.%d.2", i)]
		if lost.SlaveID != first.ID || lost.State == "TASK_FINISHED" {
			t.Errorf("attempt 1 of task %d: %+v, want it lost on the killed agent %s", i, lost, first.ID)
		}
		if retry.SlaveID != second.ID || retry.State != "TASK_FINISHED" {
			t.Errorf("attempt 2 of task %d: %+v, want TASK_FINISHED on the second agent %s", i, retry, second.ID)
		}
	}
}

// TestRealMesosMasterRestart restarts the master (in-memory registry, same
// port) while a job's tasks run. batchd re-subscribes with its framework id
// and reconciles the tasks in flight explicitly. The new master knows no agent
// until the agent re-registers, so it may answer TASK_LOST ("Reconciliation:
// Task is unknown"): batchd then launches the tasks again while the first
// attempts keep running on the agent, and both report. Either way every task
// is counted once.
func TestRealMesosMasterRestart(t *testing.T) {
	c := mesoskit.Start(t, realMesosOptions)
	c.RequireLocal(t, "restarting the master")
	state := t.TempDir()
	const n = 3
	r := startBatchd(t, 3*time.Minute, "--config", realConfig(t, c, "e2e-restart", waitJob("restart", state, n)))
	waitRunning(t, c, r, "", n)

	c.RestartMaster()                                           // and the agent, which then re-registers with its tasks
	id := subscribedAs.FindStringSubmatch(r.stderr.String())[1] // waitRunning saw it
	waitUntil(t, time.Minute, "batchd re-subscribes to the new master", func() bool {
		st, err := c.State()
		if err != nil {
			return false
		}
		f, ok := st.Framework(id)
		return ok && f.Active
	})
	release(t, state)
	code, out, errOut := r.wait()
	if code != 0 {
		t.Fatalf("exit %d\nstdout:\n%s\nstderr:\n%s", code, out, tail(errOut))
	}
	wantLines(t, "stdout", out, fmt.Sprintf("job restart: %d tasks finished, reduced %d", n, n))
	wantEachOnce(t, out, n)

	// One framework id, subscribed twice.
	ids := subscribedAs.FindAllStringSubmatch(errOut, -1)
	if len(ids) != 2 || ids[0][1] != id || ids[1][1] != id {
		t.Fatalf("subscriptions %q, want two with one framework id\nstderr:\n%s", ids, tail(errOut))
	}
	// The restarted master's log shows batchd's explicit reconciliation of
	// the tasks in flight, and its implicit one of every task.
	log, err := os.ReadFile(filepath.Join(c.Dir, "logs", "master.out"))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		fmt.Sprintf("Performing explicit task state reconciliation for %d tasks of framework %s", n, ids[0][1]),
		"Performing implicit task state reconciliation for framework " + ids[0][1],
	} {
		if !strings.Contains(string(log), want) {
			t.Errorf("the master's log has no %q", want)
		}
	}
	// A task launched again must be one batchd was told was lost by reconciliation.
	relaunched := 0
	for _, tk := range frameworkTasks(t, c, errOut) {
		if !strings.HasSuffix(tk.ID, ".1") {
			relaunched++
		}
	}
	t.Logf("%d of %d tasks launched again after the master restart", relaunched, n)
	if relaunched > 0 && !strings.Contains(errOut, "Reconciliation: Task is unknown (REASON_RECONCILIATION)") {
		t.Errorf("tasks were launched again without a reconciliation answer saying they were lost\nstderr:\n%s", tail(errOut))
	}
}

// batchdRun is batchd running in the background.
type batchdRun struct {
	done   chan struct{}
	code   int
	stdout syncBuffer
	stderr syncBuffer
}

// startBatchd runs batchd with args in the background; wait collects it.
func startBatchd(t *testing.T, timeout time.Duration, args ...string) *batchdRun {
	t.Helper()
	r := &batchdRun{done: make(chan struct{})}
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	m := NewMain(&r.stdout, &r.stderr)
	go func() {
		defer close(r.done)
		defer cancel()
		r.code = m.Main(ctx, args)
		if err := m.Close(); err != nil {
			fmt.Fprintf(&r.stderr, "Close: %v\n", err)
		}
		if ctx.Err() != nil {
			fmt.Fprintf(&r.stderr, "batchd did not finish within %v\n", timeout)
			r.code = -1
		}
	}()
	t.Cleanup(func() { cancel(); <-r.done })
	return r
}

// wait returns batchd's exit code, stdout and stderr once it has exited.
func (r *batchdRun) wait() (int, string, string) {
	<-r.done
	return r.code, r.stdout.String(), r.stderr.String()
}

// exited reports whether batchd has exited.
func (r *batchdRun) exited() bool {
	select {
	case <-r.done:
		return true
	default:
		return false
	}
}

// waitRunning waits until the master lists n running tasks of batchd's
// framework on agentID ("" for any agent), failing the test if batchd exits
// first.
func waitRunning(t *testing.T, c *mesoskit.Cluster, r *batchdRun, agentID string, n int) {
	t.Helper()
	waitUntil(t, time.Minute, fmt.Sprintf("%d tasks running", n), func() bool {
		if r.exited() {
			code, out, errOut := r.wait()
			t.Fatalf("batchd exited %d before its tasks ran\nstdout:\n%s\nstderr:\n%s", code, out, tail(errOut))
		}
		running := 0
		for _, tk := range frameworkTasks(t, c, r.stderr.String()) {
			if tk.State == "TASK_RUNNING" && (agentID == "" || tk.SlaveID == agentID) {
				running++
			}
		}
		return running == n
	})
}

// release lets the "wait" tasks of testwork whose state folder is dir report.
func release(t *testing.T, dir string) {
	t.Helper()
	if err := os.WriteFile(filepath.Join(dir, "release"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
}

// waitJob is a testwork job of n tasks that wait for release.
func waitJob(name, state string, n int) string {
	return testworkJob(name, "wait", n, 2, fmt.Sprintf("state = %q", state))
}

// wantEachOnce fails the test unless stdout holds the result line of each
// of n testwork tasks exactly once.
func wantEachOnce(t *testing.T, out string, n int) {
	t.Helper()
	for i := 0; i < n; i++ {
		if k := strings.Count(out, fmt.Sprintf("testwork %d done\n", i)); k != 1 {
			t.Errorf("task %d's result printed %d times, want once:\n%s", i, k, out)
		}
	}
}

// TestRealMesosKilledAndResumed kills batchd with SIGKILL while its tasks
// run on a real Mesos agent. The master keeps them (failover_timeout,
// checkpointed), they finish their work while batchd is down and keep
// posting; batchd started again re-registers as the same framework on the
// same collector address, takes their results, and launches nothing again.
func TestRealMesosKilledAndResumed(t *testing.T) {
	c := mesoskit.Start(t, realMesosOptions)
	state := t.TempDir()
	const n = 3
	config := realConfig(t, c, "e2e-killed", waitJob("killed", state, n))
	b := startBatchdProcess(t, "--config", config)
	waitUntil(t, time.Minute, fmt.Sprintf("%d tasks running", n), func() bool {
		if b.exited() {
			t.Fatalf("batchd exited before its tasks ran\nstderr:\n%s", tail(b.stderr.String()))
		}
		running := 0
		for _, tk := range frameworkTasks(t, c, b.stderr.String()) {
			if tk.State == "TASK_RUNNING" {
				running++
			}
		}
		return running == n
	})
	id := subscribedAs.FindStringSubmatch(b.stderr.String())[1]
	b.cmd.Process.Kill()
	if code := b.wait(t, time.Minute); code != -1 {
		t.Fatalf("exit code %d, want death by SIGKILL", code)
	}
	release(t, state) // the tasks finish and post to a batchd that is down

	b = startBatchdProcess(t, "--config", config)
	if code := b.wait(t, 3*time.Minute); code != 0 {
		t.Fatalf("restarted batchd: exit %d\nstderr:\n%s", code, tail(b.stderr.String()))
	}
	out := b.stdout.String()
	wantLines(t, "stdout", out, fmt.Sprintf("job killed: %d tasks finished, reduced %d", n, n))
	wantEachOnce(t, out, n)
	if again := subscribedAs.FindStringSubmatch(b.stderr.String()); again == nil || again[1] != id {
		t.Errorf("the restarted batchd subscribed as %v, want the framework %s", again, id)
	}
	st, err := c.State()
	if err != nil {
		t.Fatal(err)
	}
	f, _ := st.Framework(id) // torn down at the end: among the completed frameworks
	tasks := f.AllTasks()
	for _, tk := range tasks {
		if !strings.HasSuffix(tk.ID, ".1") || tk.State != "TASK_FINISHED" {
			t.Errorf("task %s: %s; want each task's first attempt finished and no other", tk.ID, tk.State)
		}
	}
	if len(tasks) != n {
		t.Errorf("the master knows %d tasks of the framework, want %d", len(tasks), n)
	}
}

// TestRealMesosReservedResources runs a job of [cluster] role = "batch" on
// a real Mesos agent whose every resource is statically reserved for that
// role: only a launch that keeps the offer's reservations is accepted, so
// the job finishes only if batchd honours them. The master lists each task
// under the role.
func TestRealMesosReservedResources(t *testing.T) {
	c := mesoskit.Start(t, mesoskit.Options{
		MasterFlags: []string{"--allocation_interval=100ms"},
		AgentFlags:  []string{"--resources=cpus(batch):2;mem(batch):1024;disk(batch):1024"},
	})
	c.RequireLocal(t, "an agent with reserved resources")
	cfg := writeConfig(t, fmt.Sprintf("[cluster]\nmaster = %q\nframework = \"e2e-reserved\"\nrole = \"batch\"\n\n%s", c.Master,
		"[[job]]\nname = \"reserved\"\nworkload = \"sum\"\ncpus = 0.25\nmem = \"16MiB\"\n[job.params]\ngroups = [\"1 2\", \"3 4\", \"5 6\"]\n"))
	out, errOut := runOK(t, 2*time.Minute, "--config", cfg)
	wantLines(t, "stdout", out, "job reserved: 3 tasks finished, total 21")
	tasks := frameworkTasks(t, c, errOut)
	if len(tasks) != 3 {
		t.Fatalf("the master lists %d tasks, want 3", len(tasks))
	}
	for _, tk := range tasks {
		if tk.State != "TASK_FINISHED" || tk.Role != "batch" {
			t.Errorf("task %s: %s under role %q, want TASK_FINISHED under batch", tk.ID, tk.State, tk.Role)
		}
	}
}
