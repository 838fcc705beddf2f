package mesoskit

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"
)

// Options shape the cluster Start runs. They are ignored for a cluster named
// by $BATCHD_TEST_MESOS.
type Options struct {
	// MasterFlags are extra mesos-master flags, e.g. "--allocation_interval=50ms".
	MasterFlags []string
	// AgentFlags are extra flags for every agent, e.g. "--resources=cpus:8;mem:4096".
	AgentFlags []string
}

// Cluster is a running Mesos master with its agents.
type Cluster struct {
	// Master is the master's URL, "http://127.0.0.1:PORT".
	Master string
	// Dir is the cluster's folder: kit/, logs/, the work dirs. For an
	// external cluster it is an empty temporary folder.
	Dir string

	t        testing.TB
	kit      string // kit folder; "" for an external cluster
	external bool
	opts     Options

	mu     sync.Mutex
	agents []*Agent
	next   int // the number of the next agent
}

// Agent is one mesos-agent of a Cluster started by this package.
type Agent struct {
	// Name is "agent" for the one mesos-up started, then "agent2", "agent3"...
	Name string
	// WorkDir is the agent's --work_dir; task sandboxes live below it.
	WorkDir string
	// Port is the agent's port.
	Port int
	// ID is the agent id the master gave it ("...-S0").
	ID string

	pid int
}

// External reports whether the cluster is a user's own, named by
// $BATCHD_TEST_MESOS, which this package neither started nor may disrupt.
func (c *Cluster) External() bool { return c.external }

// RequireLocal skips the test when the cluster is external: the scenario
// kills or restarts daemons, which only a cluster this package started allows.
func (c *Cluster) RequireLocal(t testing.TB, why string) {
	t.Helper()
	if c.external {
		t.Skipf("%s needs a cluster the test starts itself; $%s=%s is someone else's (unset it to use the kit)", why, EnvMaster, c.Master)
	}
}

// Start returns a running cluster for the test: the one named by
// $BATCHD_TEST_MESOS, or a fresh master and agent started from the kit and
// stopped (with every process they started) when t ends. On failure the
// folder is kept and the logs' tails are printed.
func Start(t testing.TB, opts Options) *Cluster {
	t.Helper()
	if url := os.Getenv(EnvMaster); url != "" {
		c := &Cluster{Master: strings.TrimRight(url, "/"), Dir: t.TempDir(), t: t, external: true, opts: opts}
		if _, err := c.State(); err != nil {
			t.Fatalf("$%s=%s: %v", EnvMaster, url, err)
		}
		return c
	}
	kit, err := FindKit()
	if err != nil {
		t.Skipf("real Mesos tests: %v", err)
	}
	for _, tool := range []string{"curl", "python3"} {
		if _, err := exec.LookPath(tool); err != nil {
			msg := fmt.Sprintf("the Mesos kit's mesos-up needs %s (apt-get install %s)", tool, tool)
			if inCI() {
				t.Fatal(msg)
			}
			t.Skip(msg)
		}
	}
	dir, err := os.MkdirTemp("", "batchd-mesos-")
	if err != nil {
		t.Fatal(err)
	}
	// Searchable by all, as a Mesos work_dir's parents are: a task run as
	// another user (CommandInfo.user) must reach its sandbox.
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	c := &Cluster{Dir: dir, t: t, kit: kit, opts: opts, next: 2}
	t.Cleanup(c.stop)
	if err := c.up(); err != nil {
		msg := fmt.Sprintf("starting Mesos from %s: %v", kit, err)
		if os.Geteuid() != 0 && !inCI() {
			t.Skipf("%s (mesos-up installs missing runtime libraries with apt, which needs root)", msg)
		}
		t.Fatal(msg)
	}
	return c
}

// agentFlags are the flags every agent of the cluster gets beyond those of
// mesos-up: a fetcher cache of its own. Mesos' default, /tmp/mesos/fetch, is
// shared by every agent on the machine, and an agent that finds another
// agent's file under the name it chose aborts (fetcher.cpp "Attempt to release
// more cache space than in use").
func (c *Cluster) agentFlags(workDir string) []string {
	return append([]string{"--fetcher_cache_dir=" + filepath.Join(workDir, "fetch-cache")}, c.opts.AgentFlags...)
}

// up runs mesos-up, holding the machine-wide kit lock (apt-get).
func (c *Cluster) up() error {
	unlock, err := lockKit()
	if err != nil {
		return err
	}
	defer unlock()
	cmd := exec.Command(filepath.Join(c.kit, "mesos-up"), c.Dir)
	cmd.Env = append(os.Environ(),
		"MESOS_MASTER_FLAGS="+strings.Join(c.opts.MasterFlags, " "),
		"MESOS_AGENT_FLAGS="+strings.Join(c.agentFlags(filepath.Join(c.Dir, "agent")), " "))
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("mesos-up: %w\n%s%s", err, stderr.String(), c.logTails())
	}
	m := regexp.MustCompile(`(?m)^MESOS_MASTER=(\S+)$`).FindStringSubmatch(stdout.String())
	if m == nil {
		return fmt.Errorf("mesos-up printed no MESOS_MASTER:\n%s", stdout.String())
	}
	c.Master = m[1]
	pid, err := readPid(filepath.Join(c.Dir, "agent.pid"))
	if err != nil {
		return err
	}
	port, _ := flagValue(pid, "--port")
	a := &Agent{Name: "agent", WorkDir: filepath.Join(c.Dir, "agent"), pid: pid}
	fmt.Sscan(port, &a.Port)
	if a.ID = c.agentID(a.Port); a.ID == "" {
		return fmt.Errorf("the master lists no agent on port %d", a.Port)
	}
	c.agents = []*Agent{a}
	return nil
}

// Agents returns the agents this package started and has not killed.
func (c *Cluster) Agents() []*Agent {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]*Agent(nil), c.agents...)
}

// stop ends every process of the cluster: the daemons, then every process
// whose command line or working directory lies in c.Dir (executors, the
// containerizer helpers and the tasks they started, which the posix launcher
// lets outlive the agent). It keeps the folder and prints the logs' tails when
// the test failed, and removes it otherwise.
func (c *Cluster) stop() {
	killUnder(c.Dir)
	if c.t.Failed() {
		c.t.Logf("mesoskit: the cluster's folder is kept: %s\n%s", c.Dir, c.logTails())
		return
	}
	if err := os.RemoveAll(c.Dir); err != nil {
		c.t.Logf("mesoskit: removing %s: %v", c.Dir, err)
	}
}

// logTails returns the last lines of the daemons' logs.
func (c *Cluster) logTails() string {
	outs, _ := filepath.Glob(filepath.Join(c.Dir, "logs", "*.out"))
	var b strings.Builder
	for _, p := range outs {
		data, err := os.ReadFile(p)
		if err != nil {
			continue
		}
		lines := strings.Split(strings.TrimRight(string(data), "\n"), "\n")
		if len(lines) > 30 {
			lines = lines[len(lines)-30:]
		}
		fmt.Fprintf(&b, "--- %s (last %d lines)\n%s\n", p, len(lines), strings.Join(lines, "\n"))
	}
	return b.String()
}

// WaitFor polls cond every 100 ms until it is true or d has passed, and
// reports whether it came true. Mesos's daemons and the processes they
// start offer no event to wait on, so their state (the master's HTTP
// endpoints, /proc) is polled.
func WaitFor(d time.Duration, cond func() bool) bool {
	deadline := time.Now().Add(d)
	for {
		if cond() {
			return true
		}
		if time.Now().After(deadline) {
			return false
		}
		time.Sleep(100 * time.Millisecond)
	}
}
