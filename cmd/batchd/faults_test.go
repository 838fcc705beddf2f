package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/batchd/batchd/core/state"
	"github.com/batchd/batchd/localcluster"
)

// Faults in the cluster (issue 9): each test runs an embedded cluster in
// the test process as batchd's "real" master, so the test can hurt it
// while batchd, a process of its own, runs a job on it.

// startFaultCluster starts an embedded cluster for the test and closes it
// at the end.
func startFaultCluster(t *testing.T, cfg localcluster.Config) *localcluster.Cluster {
	t.Helper()
	cfg.Listen = "127.0.0.1:0"
	cfg.WorkDir = t.TempDir()
	cfg.RemoveFinishedSandboxes = true
	lc := localcluster.New(cfg)
	if err := lc.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := lc.Close(); err != nil {
			t.Errorf("closing the cluster: %v", err)
		}
	})
	return lc
}

// runningBatchd is batchd running a job, as a process or in this one.
type runningBatchd interface {
	exited() bool
	wait(t *testing.T, d time.Duration) int
	out() string
	log() string
}

func (p *batchdProcess) out() string { return p.stdout.String() }
func (p *batchdProcess) log() string { return p.stderr.String() }

// inProcess is batchd's Main running in a goroutine of the test.
type inProcess struct {
	stdout, stderr syncBuffer
	done           chan struct{}
	code           int
}

// startEmbedded runs batchd in this process on its own embedded cluster
// and returns that cluster, for the test to hurt.
func startEmbedded(t *testing.T, args ...string) (*inProcess, *localcluster.Cluster) {
	t.Helper()
	p := &inProcess{done: make(chan struct{})}
	m := NewMain(&p.stdout, &p.stderr)
	started := make(chan *localcluster.Cluster, 1)
	m.embedded = func(lc *localcluster.Cluster) { started <- lc }
	ctx, cancel := context.WithCancel(context.Background())
	go func() {
		defer close(p.done)
		p.code = m.Main(ctx, args)
		if err := m.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	}()
	t.Cleanup(func() { cancel(); <-p.done })
	select {
	case lc := <-started:
		return p, lc
	case <-p.done:
		t.Fatalf("batchd exited %d before starting its cluster\nstderr:\n%s", p.code, tail(p.stderr.String()))
		return nil, nil
	}
}

func (p *inProcess) exited() bool {
	select {
	case <-p.done:
		return true
	default:
		return false
	}
}

func (p *inProcess) wait(t *testing.T, d time.Duration) int {
	t.Helper()
	select {
	case <-p.done:
		return p.code
	case <-time.After(d):
		t.Fatalf("batchd did not exit within %v\nstderr:\n%s", d, tail(p.stderr.String()))
		return 0
	}
}

func (p *inProcess) out() string { return p.stdout.String() }
func (p *inProcess) log() string { return p.stderr.String() }

// running lists the cluster's tasks in TASK_RUNNING.
func running(lc *localcluster.Cluster) []localcluster.TaskStatus {
	var out []localcluster.TaskStatus
	for _, tk := range lc.Tasks() {
		if tk.State == "TASK_RUNNING" {
			out = append(out, tk)
		}
	}
	return out
}

// waitRunningOn waits until n of the cluster's tasks run, none on the
// agents named in avoid.
func waitRunningOn(t *testing.T, b runningBatchd, lc *localcluster.Cluster, n int, avoid ...string) []localcluster.TaskStatus {
	t.Helper()
	var now []localcluster.TaskStatus
	ok := poll(time.Minute, func() bool {
		if b.exited() {
			t.Fatalf("batchd exited\nstderr:\n%s", tail(b.log()))
		}
		now = running(lc)
		for _, tk := range now {
			for _, a := range avoid {
				if tk.AgentID == a {
					return false
				}
			}
		}
		return len(now) == n
	})
	if !ok {
		t.Fatalf("%d tasks running, want %d (none on %v): %+v\nstderr:\n%s", len(now), n, avoid, now, tail(b.log()))
	}
	return now
}

// storedTasks reads a finished job's tasks from the state store.
func storedTasks(t *testing.T, dir, job string) []state.Task {
	t.Helper()
	db, err := state.Open(dir, state.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var tasks []state.Task
	if _, err := db.Tasks(job, 0, 0, func(tk state.Task) error { tasks = append(tasks, tk); return nil }); err != nil {
		t.Fatal(err)
	}
	return tasks
}

// TestAgentDies kills the agent running most of a job's tasks, on batchd's
// own embedded cluster ([local] agents = 2) and on a standalone one: the
// master reports them TASK_LOST, batchd runs them again on the other agent
// within their retries, and each result is counted once; the tasks on the
// other agent run once.
func TestAgentDies(t *testing.T) {
	const n = 4
	for _, tt := range []struct {
		name  string
		start func(t *testing.T, dir string) (runningBatchd, *localcluster.Cluster)
	}{
		{"embedded cluster", func(t *testing.T, dir string) (runningBatchd, *localcluster.Cluster) {
			return startEmbedded(t, "--config", writeConfig(t, fmt.Sprintf("[local]\nagents = 2\ncpus = 0.3\nmem = \"1GiB\"\n[state]\ndir = %q\n\n%s",
				filepath.Join(dir, "state"), waitJob("lost", dir, n))))
		}},
		{"standalone cluster", func(t *testing.T, dir string) (runningBatchd, *localcluster.Cluster) {
			lc := startFaultCluster(t, localcluster.Config{Agents: 2, CPUs: 0.3, MemMB: 1024})
			return startBatchdProcess(t, "--config", writeConfig(t, fmt.Sprintf("[cluster]\nmaster = %q\n[state]\ndir = %q\n\n%s",
				lc.URL(), filepath.Join(dir, "state"), waitJob("lost", dir, n)))), lc
		}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			b, lc := tt.start(t, dir)
			agentDies(t, b, lc, dir, n)
		})
	}
}

func agentDies(t *testing.T, b runningBatchd, lc *localcluster.Cluster, dir string, n int) {
	before := waitRunningOn(t, b, lc, n)
	perAgent := map[string][]string{}
	for _, tk := range before {
		perAgent[tk.AgentID] = append(perAgent[tk.AgentID], tk.ID)
	}
	dead := before[0].AgentID
	for a, ids := range perAgent {
		if len(ids) > len(perAgent[dead]) {
			dead = a
		}
	}
	lost := map[string]bool{}
	for _, id := range perAgent[dead] {
		lost[id] = true
	}
	if err := lc.KillAgent(dead); err != nil {
		t.Fatal(err)
	}
	// The lost attempts' processes die with their agent before the tasks
	// may finish: only their retries can report.
	deadDir := filepath.Join(lc.WorkDir(), "agents", dead) + "/"
	if !poll(time.Minute, func() bool {
		for _, p := range waitingTasks(t, os.Getpid()) {
			if cwd, _ := os.Readlink(fmt.Sprintf("/proc/%d/cwd", p.pid)); strings.HasPrefix(cwd, deadDir) {
				return false
			}
		}
		return true
	}) {
		t.Fatal("tasks of the killed agent still run")
	}
	release(t, dir)
	if code := b.wait(t, 2*time.Minute); code != 0 {
		t.Fatalf("exit %d\nstderr:\n%s", code, tail(b.log()))
	}
	out := b.out()
	wantLines(t, "stdout", out, fmt.Sprintf("job lost: %d tasks finished, reduced %d", n, n))
	wantEachOnce(t, out, n)
	if !strings.Contains(b.log(), "TASK_LOST") {
		t.Errorf("batchd's log does not mention TASK_LOST:\n%s", tail(b.log()))
	}
	for _, tk := range storedTasks(t, filepath.Join(dir, "state"), "lost") {
		first := tk.Attempts[0]
		if tk.Result == nil {
			t.Errorf("task %s: no result", tk.ID)
			continue
		}
		last := tk.Attempts[len(tk.Attempts)-1]
		switch {
		case lost[first.TaskID]:
			if len(tk.Attempts) != 2 || first.State != "TASK_LOST" || first.Reason != "REASON_AGENT_REMOVED" ||
				last.Agent == dead || tk.Result.Attempt != 2 {
				t.Errorf("task %s, lost with agent %s: attempts %+v, result of attempt %d; want it lost, then its result from a second attempt elsewhere",
					tk.ID, dead, tk.Attempts, tk.Result.Attempt)
			}
		default:
			if len(tk.Attempts) != 1 || tk.Result.Attempt != 1 || first.Agent == dead {
				t.Errorf("task %s: attempts %+v, want its one attempt on the live agent", tk.ID, tk.Attempts)
			}
		}
	}
}

// TestMasterConnectionDrops drops batchd's event stream while its tasks
// run, then makes the master unavailable for 2 s (503 to every call, as a
// recovering Mesos master) as they finish: batchd re-subscribes with the
// same framework id each time, backing off while the master refuses it,
// learns what happened meanwhile (the master resends the updates it
// missed), launches nothing again, and the job completes with each result
// once.
func TestMasterConnectionDrops(t *testing.T) {
	lc := startFaultCluster(t, localcluster.Config{Agents: 2, CPUs: 1, MemMB: 1024})
	dir := t.TempDir()
	const n = 3
	b := startBatchdProcess(t, "--config", writeConfig(t, fmt.Sprintf("[cluster]\nmaster = %q\n[state]\ndir = %q\n\n%s",
		lc.URL(), filepath.Join(dir, "state"), waitJob("drop", dir, n))))
	waitRunningOn(t, b, lc, n)
	subs := lc.Subscribed()
	if len(subs) != 1 {
		t.Fatalf("subscribed frameworks %v, want batchd's alone", subs)
	}
	id := subs[0]
	resubscribed := func(times int) {
		t.Helper()
		if !poll(time.Minute, func() bool {
			s := lc.Subscribed()
			return len(subscribedAs.FindAllString(b.stderr.String(), -1)) == times+1 && len(s) == 1 && s[0] == id
		}) {
			t.Fatalf("batchd did not subscribe again as %s (drop %d); subscribed: %v\nstderr:\n%s", id, times, lc.Subscribed(), tail(b.log()))
		}
	}
	if lc.DropSubscribers() != 1 {
		t.Fatal("no stream to drop")
	}
	resubscribed(1)
	if lc.Unavailable(2*time.Second) != 1 {
		t.Fatal("no stream to drop")
	}
	release(t, dir) // the tasks finish while batchd is cut off

	if code := b.wait(t, 2*time.Minute); code != 0 {
		t.Fatalf("exit %d\nstderr:\n%s", code, tail(b.log()))
	}
	errOut := b.stderr.String()
	for _, m := range subscribedAs.FindAllStringSubmatch(errOut, -1) {
		if m[1] != id {
			t.Errorf("batchd subscribed as %s, want the framework %s each time", m[1], id)
		}
	}
	if k := len(subscribedAs.FindAllString(errOut, -1)); k < 3 {
		t.Errorf("batchd subscribed %d times, want 3 (two drops)", k)
	}
	// Backing off: 0.5 s after the stream ends, then doubling while refused.
	wantLines(t, "stderr", errOut, "mesos connection lost, re-subscribing", "in=500ms", "in=1s", "Master has not finished recovery")
	out := b.stdout.String()
	wantLines(t, "stdout", out, fmt.Sprintf("job drop: %d tasks finished, reduced %d", n, n))
	wantEachOnce(t, out, n)
	for _, tk := range storedTasks(t, filepath.Join(dir, "state"), "drop") {
		if len(tk.Attempts) != 1 || tk.Result == nil || tk.Result.Attempt != 1 {
			t.Errorf("task %s: attempts %+v, result %+v; want its one attempt's result", tk.ID, tk.Attempts, tk.Result)
		}
	}
}
