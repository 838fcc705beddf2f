package localcluster

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"time"

	mesos "github.com/mesos/mesos-go/api/v1/lib"

	"github.com/batchd/batchd/internal/procgroup"
	"github.com/batchd/batchd/localcluster/fetch"
)

// runTask is the agent side of one command task: it fetches the URIs into a
// fresh sandbox, runs the command in its own process group and reports
// STARTING, RUNNING and the terminal state as the Mesos command executor does.
// The command's whole group dies with the cluster's process, even on
// SIGKILL (see internal/procgroup), and when Close kills it.
func (c *Cluster) runTask(t *task) {
	defer c.wg.Done()
	// remove is a finished task's sandbox, recycled once its resources are
	// back and its terminal update is acknowledged: until then its stdout
	// and stderr stay readable through the files API, as a framework that
	// looks at them on seeing the update expects (Mesos keeps them for
	// --gc_delay). Waiting costs the launch path nothing: resources are
	// offered again at once, and an agent's next task takes a sandbox
	// parked earlier, or makes one when none is.
	var remove string
	defer func() {
		c.release(t)
		if remove != "" {
			c.mu.Lock()
			acked := t.ackedLocked()
			c.mu.Unlock()
			select {
			case <-acked:
			case <-c.ctx.Done():
			}
			t.agent.recycleSandbox(c.log, remove)
		}
	}()
	fw := t.fw.id
	// The run's id names its sandbox and is its container id, as in Mesos.
	run := newUUID()
	sandbox, err := t.agent.makeSandbox(fw, t.id, run)
	c.mu.Lock()
	t.sandbox, t.containerID = sandbox, run
	c.mu.Unlock()
	if err != nil {
		c.launchFailed(t, fmt.Errorf("creating sandbox: %w", err))
		return
	}
	if err := c.fetchAll(t, sandbox); err != nil {
		if killed(t) {
			c.status(t, mesos.TASK_KILLED, mesos.SOURCE_EXECUTOR, nil, "Task killed while fetching")
			return
		}
		c.launchFailed(t, err)
		return
	}
	if killed(t) {
		c.status(t, mesos.TASK_KILLED, mesos.SOURCE_EXECUTOR, nil, "Task killed before it started")
		return
	}
	c.status(t, mesos.TASK_STARTING, mesos.SOURCE_EXECUTOR, nil, "")
	cmd, err := c.start(t, sandbox)
	if err != nil {
		c.status(t, mesos.TASK_FAILED, mesos.SOURCE_EXECUTOR, mesos.REASON_COMMAND_EXECUTOR_FAILED.Enum(), err.Error())
		return
	}
	closeFiles(cmd)
	c.status(t, mesos.TASK_RUNNING, mesos.SOURCE_EXECUTOR, nil, "")
	wasKilled, closing, err := c.wait(t, cmd)
	if closing {
		return // the cluster is shutting down; nobody is left to tell
	}
	switch {
	case wasKilled:
		c.status(t, mesos.TASK_KILLED, mesos.SOURCE_EXECUTOR, nil, "Command "+describeExit(cmd.ProcessState))
	case err == nil:
		c.status(t, mesos.TASK_FINISHED, mesos.SOURCE_EXECUTOR, nil, "Command exited with status 0")
		if c.cfg.RemoveFinishedSandboxes {
			remove = sandbox
		}
	default:
		// Mesos's command executor gives a failed command no reason.
		c.status(t, mesos.TASK_FAILED, mesos.SOURCE_EXECUTOR, nil, "Command "+describeExit(cmd.ProcessState))
	}
}

// wait waits for the command, handling KILL (SIGTERM to the group, SIGKILL
// after the grace period) and cluster shutdown (SIGKILL at once). Whatever
// the task left behind in its group is killed afterwards.
func (c *Cluster) wait(t *task, cmd *exec.Cmd) (wasKilled, closing bool, err error) {
	pgid := cmd.Process.Pid
	done := make(chan error, 1)
	go func() {
		procgroup.AwaitExit(pgid) // in the poller, not in a thread blocked in waitid
		done <- cmd.Wait()
	}()
	killCh, ctxDone := t.killCh, c.ctx.Done()
	var grace <-chan time.Time
	for {
		select {
		case err = <-done:
			procgroup.Done(pgid)
			return wasKilled, closing, err
		case <-killCh:
			killCh, wasKilled = nil, true
			c.mu.Lock()
			g := t.killGrace
			c.mu.Unlock()
			procgroup.Signal(pgid, syscall.SIGTERM)
			timer := time.NewTimer(g)
			defer timer.Stop()
			grace = timer.C
		case <-grace:
			grace = nil
			procgroup.Signal(pgid, syscall.SIGKILL)
		case <-ctxDone:
			ctxDone, closing = nil, true
			procgroup.Signal(pgid, syscall.SIGKILL)
		}
	}
}

func describeExit(ps *os.ProcessState) string {
	if ws, ok := ps.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
		return "terminated with signal " + strings.ToUpper(ws.Signal().String()[:1]) + ws.Signal().String()[1:]
	}
	return fmt.Sprintf("exited with status %d", ps.ExitCode())
}

func killed(t *task) bool {
	select {
	case <-t.killCh:
		return true
	default:
		return false
	}
}

// fetchAll fetches the task's URIs in order; a KILL or shutdown cancels it.
func (c *Cluster) fetchAll(t *task, sandbox string) error {
	ctx, cancel := context.WithCancel(c.ctx)
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		select {
		case <-t.killCh:
			cancel()
		case <-ctx.Done():
		}
	}()
	defer wg.Wait()
	defer cancel()
	for _, u := range t.info.Command.URIs {
		err := t.agent.fetcher.Fetch(ctx, fetch.URI{
			Value:      u.Value,
			Executable: u.GetExecutable(),
			Extract:    u.GetExtract(),
			Cache:      u.GetCache(),
			OutputFile: u.GetOutputFile(),
			Scope:      t.fw.id,
		}, sandbox)
		if err != nil {
			return err
		}
	}
	return nil
}

// command builds the task's process: shell=true runs /bin/sh -c value,
// otherwise value is executed with arguments as its argv.
func (c *Cluster) command(t *task, sandbox string) (*exec.Cmd, error) {
	ci := t.info.Command
	cmd := &exec.Cmd{Dir: sandbox} // procgroup.Start makes it a process group
	if ci.GetShell() {
		cmd.Path, cmd.Args = "/bin/sh", []string{"sh", "-c", ci.GetValue()}
	} else {
		value := ci.GetValue()
		if value == "" {
			return nil, errors.New("command value is empty")
		}
		cmd.Args = ci.Arguments
		if len(cmd.Args) == 0 {
			cmd.Args = []string{value}
		}
		switch {
		case filepath.IsAbs(value):
			cmd.Path = value
		case strings.Contains(value, "/"):
			cmd.Path = filepath.Join(sandbox, value)
		default:
			p, err := exec.LookPath(value)
			if err != nil {
				return nil, fmt.Errorf("finding command %q: %w", value, err)
			}
			cmd.Path = p
		}
	}
	cmd.Env = c.environment(t, sandbox)
	stdout, err := createOutput(filepath.Join(sandbox, "stdout"))
	if err != nil {
		return nil, fmt.Errorf("creating stdout file: %w", err)
	}
	stderr, err := createOutput(filepath.Join(sandbox, "stderr"))
	if err != nil {
		stdout.Close()
		return nil, fmt.Errorf("creating stderr file: %w", err)
	}
	cmd.Stdout, cmd.Stderr = stdout, stderr
	stdin, err := devNull()
	if err != nil {
		closeFiles(cmd)
		return nil, err
	}
	cmd.Stdin = stdin
	cred, err := credentialFor(t.user)
	if err == nil && cred != nil {
		cmd.SysProcAttr = &syscall.SysProcAttr{Credential: cred}
		err = giveSandbox(sandbox, cred)
	}
	if err != nil {
		stdout.Close()
		stderr.Close()
		return nil, err
	}
	return cmd, nil
}

// createOutput creates a task's stdout or stderr file, or empties the one a
// recycled sandbox holds. It truncates only a file that is not empty
// already: on ext4 even truncating an empty file writes its inode to the
// journal. One left read-only by the last task is made writable first.
func createOutput(path string) (*os.File, error) {
	const flag, perm = syscall.O_WRONLY | syscall.O_CREAT, 0o644
	f, err := openBlocking(path, flag, perm)
	if errors.Is(err, fs.ErrPermission) && os.Chmod(path, perm) == nil {
		f, err = openBlocking(path, flag, perm)
	}
	if err != nil {
		return nil, err
	}
	if fi, err := f.Stat(); err != nil || fi.Size() > 0 {
		if err := f.Truncate(0); err != nil {
			f.Close()
			return nil, err
		}
	}
	return f, nil
}

// devNull is every task's standard input, opened once: exec.Cmd opens the
// null device anew for each command without one.
var devNull = sync.OnceValues(func() (*os.File, error) {
	return openBlocking(os.DevNull, syscall.O_RDONLY, 0)
})

// openBlocking opens path (close-on-exec) with open(2) itself and hands the
// descriptor to os.NewFile in blocking mode. os.OpenFile would try the
// poller first (two fcntls and a refused epoll_ctl), and a child's exec
// switches a descriptor it was given back to blocking (two more): waste for
// the files of a task's sandbox, which the poller cannot wait on anyway.
func openBlocking(path string, flag int, perm uint32) (*os.File, error) {
	fd, err := syscall.Open(path, flag|syscall.O_CLOEXEC, perm)
	if err != nil {
		return nil, &os.PathError{Op: "open", Path: path, Err: err}
	}
	return os.NewFile(uintptr(fd), path), nil
}

func closeFiles(cmd *exec.Cmd) {
	for _, w := range []any{cmd.Stdout, cmd.Stderr} {
		if f, ok := w.(*os.File); ok {
			f.Close()
		}
	}
}

// environment is PATH and HOME of the agent, the MESOS_* variables of a
// Mesos sandbox, then the CommandInfo's own variables.
func (c *Cluster) environment(t *task, sandbox string) []string {
	env := map[string]string{
		"PATH":               os.Getenv("PATH"),
		"HOME":               os.Getenv("HOME"),
		"MESOS_SANDBOX":      sandbox,
		"MESOS_DIRECTORY":    sandbox,
		"MESOS_TASK_ID":      t.id,
		"MESOS_FRAMEWORK_ID": t.fw.id,
		"MESOS_AGENT_ID":     t.agent.id,
		"MESOS_EXECUTOR_ID":  t.id,
	}
	if env["PATH"] == "" {
		env["PATH"] = "/usr/local/bin:/usr/bin:/bin"
	}
	for _, v := range t.info.Command.GetEnvironment().GetVariables() {
		env[v.Name] = v.GetValue()
	}
	out := make([]string, 0, len(env))
	for k, v := range env {
		out = append(out, k+"="+v)
	}
	return out
}

// launchFailed reports a task that could not be started, as the agent does.
func (c *Cluster) launchFailed(t *task, err error) {
	c.status(t, mesos.TASK_FAILED, mesos.SOURCE_AGENT, mesos.REASON_CONTAINER_LAUNCH_FAILED.Enum(),
		"Failed to launch container: "+err.Error())
}

func (c *Cluster) status(t *task, state mesos.TaskState, src mesos.TaskStatus_Source, reason *mesos.TaskStatus_Reason, msg string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.statusLocked(t, state, src, reason, msg)
}

// release returns the task's resources to its agent and has them offered.
func (c *Cluster) release(t *task) {
	c.mu.Lock()
	defer c.mu.Unlock()
	t.agent.used = t.agent.used.minus(t.res)
	t.agent.ports = addPorts(t.agent.ports, t.ports)
	if !t.terminal() {
		t.state = mesos.TASK_KILLED // shutdown before a terminal update
	}
	c.wake()
}

// removeSandbox removes a finished task's sandbox, and its executor
// folder, .../executors/<task>/runs/<run>, unless another run of a task of
// the same id is in it. Each task's goroutine removes its own, in parallel
// and off the path of its update and its resources.
func removeSandbox(log *slog.Logger, dir string) {
	if err := os.RemoveAll(dir); err != nil {
		if log != nil {
			log.Warn("removing finished task's sandbox", "sandbox", dir, "err", err)
		}
		return
	}
	runs := filepath.Dir(dir)
	if os.Remove(runs) == nil {
		os.Remove(filepath.Dir(runs))
	}
}

// start builds and starts the task's command. A cached executable is a
// link to a file the fetch cache sealed read-only and never writes again,
// and the fetcher waits out forks in flight after writing any executable
// (fetch's waitForks), so exec does not meet ETXTBSY on Linux. The brief
// retry stays as a fallback for copies (cache=false, or a cache on another
// file system) where that wait is not enough: a child forked without
// CLONE_VFORK may hold the copy's write descriptor until its exec.
func (c *Cluster) start(t *task, sandbox string) (*exec.Cmd, error) {
	delay := 5 * time.Millisecond
	for try := 0; ; try++ {
		cmd, err := c.command(t, sandbox)
		if err != nil {
			return nil, err
		}
		err = procgroup.Start(cmd)
		if err == nil {
			return cmd, nil
		}
		closeFiles(cmd)
		if !errors.Is(err, syscall.ETXTBSY) || try == 8 {
			if a := cmd.SysProcAttr; a != nil && a.Credential != nil && errors.Is(err, syscall.EACCES) {
				return nil, fmt.Errorf("Failed to execute %q as the task's user %q (uid %d): %w; it must be able to reach the sandbox %s: every folder above it searchable by that user",
					cmd.Path, t.user, a.Credential.Uid, err, sandbox)
			}
			return nil, fmt.Errorf("Failed to execute %q: %w", cmd.Path, err)
		}
		time.Sleep(delay)
		delay *= 2
	}
}
