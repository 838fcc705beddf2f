package mesoskit

import (
	"fmt"
	"maps"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// How long the daemons get to come up, and the processes to die.
const (
	upTimeout   = 30 * time.Second
	killTimeout = 10 * time.Second
)

// AddAgent starts one more agent with the first agent's flags on a new port
// and work dir, and returns once the master lists it as active. It skips the
// test on an external cluster.
func (c *Cluster) AddAgent() *Agent {
	c.t.Helper()
	c.RequireLocal(c.t, "adding an agent")
	argv, err := cmdline(c.firstAgentPid())
	if err != nil {
		c.t.Fatalf("reading the first agent's flags: %v", err)
	}
	c.mu.Lock()
	name := fmt.Sprintf("agent%d", c.next)
	c.next++
	c.mu.Unlock()
	port, err := freePort()
	if err != nil {
		c.t.Fatal(err)
	}
	a := &Agent{Name: name, WorkDir: filepath.Join(c.Dir, name), Port: port}
	argv = setFlags(argv, map[string]string{
		"--port":              strconv.Itoa(port),
		"--work_dir":          a.WorkDir,
		"--runtime_dir":       filepath.Join(c.Dir, name+"-run"),
		"--fetcher_cache_dir": filepath.Join(a.WorkDir, "fetch-cache"),
	})
	if a.pid, err = startDetached(argv, filepath.Join(c.Dir, "logs", name+".out")); err != nil {
		c.t.Fatalf("starting %s: %v", name, err)
	}
	c.mu.Lock()
	c.agents = append(c.agents, a)
	c.mu.Unlock()
	if !WaitFor(upTimeout, func() bool { a.ID = c.agentID(port); return a.ID != "" }) {
		c.t.Fatalf("%s (port %d) did not register with %s within %v\n%s", name, port, c.Master, upTimeout, c.logTails())
	}
	return a
}

// KillAgent kills the agent with SIGKILL, as a crashed machine would stop,
// and with it every executor and task it started (the posix launcher lets
// them outlive the agent; a dead machine would not). It returns once they are
// all gone; the master notices after its agent ping timeouts.
func (c *Cluster) KillAgent(a *Agent) {
	c.t.Helper()
	c.RequireLocal(c.t, "killing an agent")
	syscall.Kill(a.pid, syscall.SIGKILL)
	if err := killUnder(a.WorkDir); err != nil {
		c.t.Fatalf("killing %s's executors and tasks: %v", a.Name, err)
	}
	c.mu.Lock()
	c.agents = slices.DeleteFunc(c.agents, func(x *Agent) bool { return x == a })
	c.mu.Unlock()
}

// RestartMaster kills the master with SIGKILL and starts it again with the
// same flags on the same port. With the kit's in-memory registry the new
// master knows no agent or framework until they re-register. Without
// ZooKeeper an agent never notices a new master at the old address (its
// standalone detector logs "Master disconnected! Waiting for a new master to
// be elected" and waits for an election that never comes), so RestartMaster
// then restarts every agent the same way: each recovers its executors and
// tasks (--recover=reconnect) and re-registers with them, as agents do when
// ZooKeeper names a new leader. It returns once every agent is back.
func (c *Cluster) RestartMaster() {
	c.t.Helper()
	c.RequireLocal(c.t, "restarting the master")
	pidFile := filepath.Join(c.Dir, "master.pid")
	pid, err := readPid(pidFile)
	if err != nil {
		c.t.Fatal(err)
	}
	argv, err := cmdline(pid)
	if err != nil {
		c.t.Fatalf("reading the master's flags: %v", err)
	}
	syscall.Kill(pid, syscall.SIGKILL)
	if !WaitFor(killTimeout, func() bool { return !alive(pid) }) {
		c.t.Fatalf("the master (pid %d) did not die", pid)
	}
	pid, err = startDetached(argv, filepath.Join(c.Dir, "logs", "master.out"))
	if err != nil {
		c.t.Fatalf("restarting the master: %v", err)
	}
	if err := os.WriteFile(pidFile, []byte(strconv.Itoa(pid)+"\n"), 0o644); err != nil {
		c.t.Fatal(err)
	}
	agents := c.Agents()
	for _, a := range agents {
		if err := c.restartAgent(a); err != nil {
			c.t.Fatalf("restarting %s: %v", a.Name, err)
		}
	}
	ok := WaitFor(upTimeout, func() bool {
		for _, a := range agents {
			if c.agentID(a.Port) == "" {
				return false
			}
		}
		return true
	})
	if !ok {
		c.t.Fatalf("the agents did not re-register with the restarted master within %v\n%s", upTimeout, c.logTails())
	}
}

// restartAgent kills a with SIGKILL, leaving its executors running, and
// starts it again with the same flags, work dir and log.
func (c *Cluster) restartAgent(a *Agent) error {
	argv, err := cmdline(a.pid)
	if err != nil {
		return fmt.Errorf("reading its flags: %w", err)
	}
	syscall.Kill(a.pid, syscall.SIGKILL)
	if !WaitFor(killTimeout, func() bool { return !alive(a.pid) }) {
		return fmt.Errorf("pid %d did not die", a.pid)
	}
	pid, err := startDetached(argv, filepath.Join(c.Dir, "logs", a.Name+".out"))
	if err != nil {
		return err
	}
	c.mu.Lock()
	a.pid = pid
	c.mu.Unlock()
	return nil
}

// firstAgentPid is the pid of an agent whose flags new agents copy.
func (c *Cluster) firstAgentPid() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, a := range c.agents {
		if alive(a.pid) {
			return a.pid
		}
	}
	return 0
}

// agentID returns the id of the active agent the master lists on port, or "".
func (c *Cluster) agentID(port int) string {
	st, err := c.State()
	if err != nil {
		return ""
	}
	for _, s := range st.Slaves {
		if s.Active && strings.HasSuffix(s.PID, ":"+strconv.Itoa(port)) {
			return s.ID
		}
	}
	return ""
}

// startDetached starts argv in the background through sh, appending its
// output to logFile, and returns its pid. The daemon is not a child of the
// test process (sh exits at once), as with mesos-up, so it outlives no
// check for a test's leftover children and never becomes a zombie of ours.
func startDetached(argv []string, logFile string) (int, error) {
	args := append([]string{"-c", `log=$1; shift; "$@" >>"$log" 2>&1 </dev/null & echo $!`, "sh", logFile}, argv...)
	out, err := execOutput("sh", args...)
	if err != nil {
		return 0, err
	}
	return strconv.Atoi(strings.TrimSpace(out))
}

// setFlags replaces the values of --name=value flags in argv, appending those
// not present.
func setFlags(argv []string, values map[string]string) []string {
	out := slices.Clone(argv)
	seen := map[string]bool{}
	for i, a := range out {
		name, _, ok := strings.Cut(a, "=")
		if v, set := values[name]; ok && set {
			out[i] = name + "=" + v
			seen[name] = true
		}
	}
	for _, name := range slices.Sorted(maps.Keys(values)) {
		if !seen[name] {
			out = append(out, name+"="+values[name])
		}
	}
	return out
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("finding a free port: %w", err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}
