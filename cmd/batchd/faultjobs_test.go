package main

import (
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/batchd/batchd/core/state"
	"github.com/batchd/batchd/localcluster"
)

// Jobs meeting the cluster's limits (issue 9): offers taken back, tasks
// that hang or keep failing, and tasks no agent can fit.

// TestOffersRescinded runs a job on a master that rescinds offers held for
// more than a few milliseconds: a launch that loses the race is refused as
// TASK_LOST (REASON_INVALID_OFFERS), which never ran and costs no retry
// (retries = 0 here); every task runs to its result once.
func TestOffersRescinded(t *testing.T) {
	lc := startFaultCluster(t, localcluster.Config{Agents: 2, CPUs: 1, MemMB: 1024, OfferTimeout: 2 * time.Millisecond})
	dir := t.TempDir()
	const n = 30
	b := startBatchdProcess(t, "--config", writeConfig(t, fmt.Sprintf("[cluster]\nmaster = %q\n[state]\ndir = %q\n\n%s",
		lc.URL(), filepath.Join(dir, "state"), testworkJob("rescind", "ok", n, 0, ""))))
	if code := b.wait(t, 2*time.Minute); code != 0 {
		t.Fatalf("exit %d\nstderr:\n%s", code, tail(b.log()))
	}
	out := b.stdout.String()
	wantLines(t, "stdout", out, fmt.Sprintf("job rescind: %d tasks finished, reduced %d", n, n))
	wantEachOnce(t, out, n)
	refused := 0
	for _, tk := range storedTasks(t, filepath.Join(dir, "state"), "rescind") {
		ran := 0
		for _, a := range tk.Attempts {
			if a.Reason == "REASON_INVALID_OFFERS" {
				refused++
				continue
			}
			ran++
		}
		if ran != 1 || tk.Result == nil || tk.Result.Attempt != len(tk.Attempts) {
			t.Errorf("task %s: attempts %+v; want launches refused for invalid offers, then one that ran and reported", tk.ID, tk.Attempts)
		}
	}
	t.Logf("%d launches were refused for rescinded offers", refused)
}

// TestRetriesExhaustedReport: a job whose tasks all fail for good reports
// each failed task with its reason and the last lines of its stderr; a
// hung task is killed at the job's timeout, retried, and reported timed out.
func TestRetriesExhaustedReport(t *testing.T) {
	stateDir := t.TempDir()
	path := writeConfig(t, fmt.Sprintf("[state]\ndir = %q\n\n%s\n%s", stateDir,
		testworkJob("errs", "stderr", 2, 1, ""),
		strings.Replace(testworkJob("hang", "hang", 1, 1, ""), "retries = 1\n", "retries = 1\ntimeout = \"1s\"\n", 1)))
	code, out, errOut := run(t, 2*time.Minute, "--config", path)
	if code != 1 {
		t.Fatalf("exit %d, want 1\nstdout:\n%s\nstderr:\n%s", code, out, tail(errOut))
	}
	wantLines(t, "stdout", out, "job errs: 2 of 2 tasks failed", "job hang: 1 of 1 tasks failed")
	for _, i := range []string{"0", "1"} {
		for _, want := range []string{
			"task errs/" + i + ": sched: task failed: errs/" + i + ": attempt 2 of 2: TASK_FAILED: Command exited with status 1",
			"its stderr ends:\n" + wantStderr(i),
		} {
			if !strings.Contains(errOut, want) {
				t.Errorf("the job's report has no %q:\n%s", want, tail(errOut))
			}
		}
	}
	if want := "task hang/0: sched: task timed out: hang/0: attempt 2 of 2: TASK_KILLED: timed out after 1s"; !strings.Contains(errOut, want) {
		t.Errorf("the job's report has no %q:\n%s", want, tail(errOut))
	}
	for _, tk := range storedTasks(t, stateDir, "hang") {
		if len(tk.Attempts) != 2 || tk.Attempts[0].State != "TASK_KILLED" || tk.Attempts[1].State != "TASK_KILLED" {
			t.Errorf("hung task %s: attempts %+v, want two, each killed", tk.ID, tk.Attempts)
		}
	}
}

// TestNoAgentFits points batchd at a standalone embedded cluster (so the
// config-time check for the embedded cluster does not apply) with one job
// whose tasks need more cpus than any agent has: after offer_wait batchd
// warns, naming the job, the task's size and the largest offer, and fails
// that job with the same reason, launching none of its tasks; a job that
// fits finishes meanwhile.
func TestNoAgentFits(t *testing.T) {
	lc := startFaultCluster(t, localcluster.Config{Agents: 2, CPUs: 1, MemMB: 512})
	dir := t.TempDir()
	big := strings.Replace(testworkJob("big", "ok", 2, 2, ""), "cpus = 0.1\n", "cpus = 2\n", 1)
	b := startBatchdProcess(t, "--config", writeConfig(t, fmt.Sprintf("[cluster]\nmaster = %q\noffer_wait = \"1s\"\n[state]\ndir = %q\n\n%s\n%s",
		lc.URL(), filepath.Join(dir, "state"), big, testworkJob("small", "ok", 2, 0, ""))))
	if code := b.wait(t, 2*time.Minute); code != 1 {
		t.Fatalf("exit %d, want 1\nstderr:\n%s", code, tail(b.log()))
	}
	out, errOut := b.stdout.String(), b.stderr.String()
	wantLines(t, "stdout", out, "job small: 2 tasks finished, reduced 2", "job big: 2 of 2 tasks failed")
	for _, want := range []string{
		`msg="no agent can run the job's tasks; failing them" component=sched job=big cpus=2 mem_mb=16 largest_offer="cpus 1, mem 512 MB" waited=1s`,
		"no offer in 1s could fit a task of job big (cpus 2, mem 16 MB); the largest offer: cpus 1, mem 512 MB ([cluster] offer_wait)",
	} {
		if !strings.Contains(errOut, want) {
			t.Errorf("stderr has no %q:\n%s", want, tail(errOut))
		}
	}
	if k := strings.Count(errOut, "no agent can run the job's tasks"); k != 1 {
		t.Errorf("warned %d times, want once for the job", k)
	}
	for _, tk := range storedTasks(t, filepath.Join(dir, "state"), "big") {
		if len(tk.Attempts) != 0 || tk.State != state.TaskFailed {
			t.Errorf("task %s: state %s, attempts %+v; want failed, never launched", tk.ID, tk.State, tk.Attempts)
		}
	}
}
