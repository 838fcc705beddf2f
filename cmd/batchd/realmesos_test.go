package main

import (
	"fmt"
	"math/big"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/batchd/batchd/internal/mesoskit"
)

// The real-Mesos suite runs batchd against Apache Mesos 1.11.1 from the kit
// (or the master named by $BATCHD_TEST_MESOS); see internal/mesoskit for when
// it skips. TestRealMesos shares one master and two agents between the
// scenarios that leave the cluster as they found it; the ones that kill an
// agent or restart the master start their own.

// realMesosOptions make a master that allocates every 100 ms (1 s by
// default) and agents big enough for dozens of small tasks at once (the posix
// isolators do not enforce the resources).
var realMesosOptions = mesoskit.Options{
	MasterFlags: []string{"--allocation_interval=100ms"},
	AgentFlags:  []string{"--resources=cpus:4;mem:4096;disk:8192", "--attributes=rack:r1;zone:2"},
}

// realConfig writes a cluster.toml for the cluster with a framework name of
// its own, by which the scenario finds its tasks in the master's state.
func realConfig(t *testing.T, c *mesoskit.Cluster, framework, body string) string {
	t.Helper()
	return writeConfig(t, fmt.Sprintf("[cluster]\nmaster = %q\nframework = %q\n\n%s", c.Master, framework, body))
}

// runOK runs batchd and fails the test unless it exits 0.
func runOK(t *testing.T, timeout time.Duration, args ...string) (string, string) {
	t.Helper()
	code, out, errOut := run(t, timeout, args...)
	if code != 0 {
		t.Fatalf("exit %d\nstdout:\n%s\nstderr:\n%s", code, out, tail(errOut))
	}
	return out, errOut
}

// wantLines fails the test unless text holds every line of want.
func wantLines(t *testing.T, what, text string, want ...string) {
	t.Helper()
	for _, w := range want {
		if !strings.Contains(text, w) {
			t.Errorf("%s has no %q:\n%s", what, w, tail(text))
		}
	}
}

// subscribedAs matches the framework id in batchd's log.
var subscribedAs = regexp.MustCompile(`subscribed to mesos master".*framework_id=(\S+)`)

// frameworkTasks returns every task the master knows of the framework
// batchd's log (stderr) says it subscribed as; none before it has.
func frameworkTasks(t *testing.T, c *mesoskit.Cluster, log string) []mesoskit.Task {
	t.Helper()
	m := subscribedAs.FindStringSubmatch(log)
	if m == nil {
		return nil
	}
	st, err := c.State()
	if err != nil {
		t.Fatal(err)
	}
	f, _ := st.Framework(m[1])
	return f.AllTasks()
}

// countStates counts tasks by state.
func countStates(tasks []mesoskit.Task) map[string]int {
	n := map[string]int{}
	for _, tk := range tasks {
		n[tk.State]++
	}
	return n
}

// waitUntil polls the cluster until cond holds (mesoskit.WaitFor), failing
// the test after d.
func waitUntil(t *testing.T, d time.Duration, what string, cond func() bool) {
	t.Helper()
	if !mesoskit.WaitFor(d, cond) {
		t.Fatalf("%s: not within %v", what, d)
	}
}

func TestRealMesos(t *testing.T) {
	start := time.Now()
	c := mesoskit.Start(t, realMesosOptions)
	if !c.External() {
		c.AddAgent()
	}
	t.Logf("real Mesos at %s up in %v", c.Master, time.Since(start).Round(time.Millisecond))

	t.Run("demo", func(t *testing.T) {
		out, errOut := runOK(t, 2*time.Minute, "--config", realConfig(t, c, "e2e-demo", sumJob("s", "1 2 3", "4 5 6", "7 8 9")))
		want := []string{"job s: 3 tasks finished, total 45", "sum of 1 2 3 = 6", "sum of 4 5 6 = 15", "sum of 7 8 9 = 24"}
		if got := sortedLines(out); !slices.Equal(got, want) {
			t.Errorf("stdout lines = %q, want %q", got, want)
		}
		if n := countStates(frameworkTasks(t, c, errOut))["TASK_FINISHED"]; n != 3 {
			t.Errorf("the master lists %d finished tasks, want 3", n)
		}
	})

	t.Run("many tasks on two agents", func(t *testing.T) {
		const n = 200
		groups := make([]string, n)
		total := 0
		for i := range groups {
			groups[i] = fmt.Sprintf("%d %d 99999999999999999999", i, i+1)
			total += 2*i + 1
		}
		out, errOut := runOK(t, 3*time.Minute, "--config", realConfig(t, c, "e2e-many", sumJob("many", groups...)))
		wantLines(t, "stdout", out, fmt.Sprintf("job many: %d tasks finished, total %s", n, bigAdd(total, "99999999999999999999", n)))
		if got := strings.Count(out, "sum of "); got != n {
			t.Errorf("%d result lines, want %d", got, n)
		}
		perAgent := map[string]int{}
		for _, tk := range frameworkTasks(t, c, errOut) {
			if tk.State == "TASK_FINISHED" {
				perAgent[tk.SlaveID]++
			}
		}
		t.Logf("finished tasks per agent: %v", perAgent)
		if !c.External() && len(perAgent) != 2 {
			t.Errorf("tasks finished on %d agents (%v), want both", len(perAgent), perAgent)
		}
	})

	t.Run("large integers", func(t *testing.T) {
		huge := "123456789012345678901234567890123456789012345678901234567890"
		out, _ := runOK(t, 2*time.Minute, "--config", realConfig(t, c, "e2e-big",
			sumJob("big", huge+" "+huge, "18446744073709551615 1", "-9223372036854775808 -1")))
		twice := new(big.Int).Add(mustBig(huge), mustBig(huge))
		want := new(big.Int).Add(twice, mustBig("18446744073709551616"))
		want.Add(want, mustBig("-9223372036854775809"))
		wantLines(t, "stdout", out,
			fmt.Sprintf("sum of %s %s = %s", huge, huge, twice),
			"sum of 18446744073709551615 1 = 18446744073709551616",
			"sum of -9223372036854775808 -1 = -9223372036854775809",
			"job big: 3 tasks finished, total "+want.String())
	})

	t.Run("failing task retried", func(t *testing.T) {
		job := testworkJob("flaky", "flaky", 3, 1, fmt.Sprintf("state = %q", t.TempDir()))
		out, errOut := runOK(t, 2*time.Minute, "--config", realConfig(t, c, "e2e-flaky", job))
		wantLines(t, "stdout", out, "job flaky: 3 tasks finished, reduced 3")
		states := countStates(frameworkTasks(t, c, errOut))
		if states["TASK_FAILED"] != 3 || states["TASK_FINISHED"] != 3 {
			t.Errorf("the master lists tasks %v, want 3 TASK_FAILED first attempts and 3 TASK_FINISHED retries", states)
		}
	})

	t.Run("hung task killed at timeout", func(t *testing.T) {
		began := time.Now()
		job := strings.Replace(testworkJob("hang", "hang", 1, 0, ""), "[job.params]", "timeout = \"3s\"\n[job.params]", 1)
		code, out, errOut := run(t, 2*time.Minute, "--config", realConfig(t, c, "e2e-hang", job))
		if code != 1 {
			t.Fatalf("exit %d, want 1\nstdout:\n%s\nstderr:\n%s", code, out, tail(errOut))
		}
		wantLines(t, "stdout", out, "job hang: 1 of 1 tasks failed")
		wantLines(t, "stderr", errOut, "timed out")
		if d := time.Since(began); d > time.Minute {
			t.Errorf("the job took %v for a 3s timeout", d)
		}
		if states := countStates(frameworkTasks(t, c, errOut)); states["TASK_KILLED"] != 1 {
			t.Errorf("the master lists tasks %v, want one TASK_KILLED", states)
		}
		waitUntil(t, 30*time.Second, "the hung task's process ends", func() bool { return len(c.Processes("task hang")) == 0 })
	})

	t.Run("failed task's stderr", func(t *testing.T) {
		stateDir := t.TempDir()
		path := realConfig(t, c, "e2e-stderr", fmt.Sprintf("[state]\ndir = %q\n\n%s", stateDir, testworkJob("errs", "stderr", 1, 0, "")))
		if code, out, errOut := run(t, 2*time.Minute, "--config", path); code != 1 {
			t.Fatalf("exit %d, want 1\nstdout:\n%s\nstderr:\n%s", code, out, tail(errOut))
		}
		out, _ := runOK(t, time.Minute, "results", "--config", path, "--format", "jsonl")
		rows := jsonlRows(t, out)
		// The command executor writes lines of its own to the sandbox's
		// stderr too: the task's last lines must be in it, in order.
		want := strings.Join(strings.Split(wantStderr("0"), "\n")[15:], "\n")
		if len(rows) == 1 {
			t.Logf("stderr kept on real Mesos:\n%s", rows[0].Stderr)
		}
		if len(rows) != 1 || !strings.Contains(rows[0].Stderr, want) {
			t.Errorf("results: %s\nwant a stderr holding:\n%s", out, want)
		}
	})
	t.Run("placement", func(t *testing.T) {
		job := strings.Replace(sumJob("placed", "1 2", "3 4", "5 6", "7 8"), "[job.params]", `disk = "16MiB"
constraints = [["rack", "CLUSTER", "r1"], ["zone", "LIKE", "[0-9]+"], ["hostname", "MAX_PER", "2"]]
[job.labels]
team = "data"
[job.params]`, 1)
		out, errOut := runOK(t, 2*time.Minute, "--config", realConfig(t, c, "e2e-placement", job))
		wantLines(t, "stdout", out, "job placed: 4 tasks finished, total 36")
		for _, tk := range frameworkTasks(t, c, errOut) {
			if tk.Resources["disk"] != 16.0 || len(tk.Labels) != 1 || tk.Labels[0].Key != "team" || tk.Labels[0].Value != "data" {
				t.Errorf("task %s: resources %v, labels %v; want disk 16 and team=data", tk.ID, tk.Resources, tk.Labels)
			}
		}
	})

	t.Run("artifacts", func(t *testing.T) { testRealArtifacts(t, c) })
	t.Run("direct URIs", func(t *testing.T) { testRealDirect(t, c) })
}

func mustBig(s string) *big.Int {
	n, ok := new(big.Int).SetString(s, 10)
	if !ok {
		panic("not an integer: " + s)
	}
	return n
}

// sumJob is a sum job of the given groups.
func sumJob(name string, groups ...string) string {
	quoted := make([]string, len(groups))
	for i, g := range groups {
		quoted[i] = strconv.Quote(g)
	}
	return fmt.Sprintf("[[job]]\nname = %q\nworkload = \"sum\"\ncpus = 0.25\nmem = \"16MiB\"\n[job.params]\ngroups = [%s]\n",
		name, strings.Join(quoted, ", "))
}

// testworkJob is a testwork job of tasks in mode; extra is TOML appended to
// the job, e.g. more params or [[job.artifacts]].
func testworkJob(name, mode string, tasks, retries int, extra string) string {
	return fmt.Sprintf("[[job]]\nname = %q\nworkload = \"testwork\"\ncpus = 0.1\nmem = \"16MiB\"\nretries = %d\n[job.params]\ntasks = %d\nmode = %q\n%s\n",
		name, retries, tasks, mode, extra)
}
