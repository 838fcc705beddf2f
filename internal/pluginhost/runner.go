package pluginhost

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strconv"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/hashicorp/go-hclog"
	"github.com/hashicorp/go-plugin/runner"

	"github.com/batchd/batchd/internal/procgroup"
)

// pipeDelay is how long a plugin's stdout and stderr are read after its
// process group is gone before they are closed anyway: a process that left
// the group (setsid) may still hold them, and go-plugin reads them to the
// end before it notices the exit.
const pipeDelay = 2 * time.Second

// procRunner runs a plugin executable for go-plugin as the leader of its
// own process group (internal/procgroup), so it dies with batchd even on
// SIGKILL, and Kill, or the plugin's own exit, kills the whole group: a
// child the plugin left behind cannot keep batchd waiting on its pipes.
type procRunner struct {
	cmd            *exec.Cmd
	stdout, stderr *os.File // batchd's ends of the pipes
	pid            atomic.Int64

	exited    chan struct{} // closed once the leader is reaped and the group killed
	waitErr   error
	closePipe sync.Once
}

var _ runner.Runner = (*procRunner)(nil)

// newRunner returns the runner of the plugin executable at path; its
// RunnerFunc hands it to go-plugin with the environment go-plugin prepared.
func newRunner(path string, env []string) (*procRunner, error) {
	outR, outW, err := os.Pipe()
	if err != nil {
		return nil, err
	}
	errR, errW, err := os.Pipe()
	if err != nil {
		outR.Close()
		outW.Close()
		return nil, err
	}
	// Plugins speak gRPC; they get no terminal input.
	cmd := &exec.Cmd{Path: path, Args: []string{path}, Env: env, Stdout: outW, Stderr: errW}
	return &procRunner{cmd: cmd, stdout: outR, stderr: errR, exited: make(chan struct{})}, nil
}

// runnerFunc is the plugin.ClientConfig.RunnerFunc starting r. go-plugin
// calls it at most once, from Start.
func (r *procRunner) runnerFunc(_ hclog.Logger, spec *exec.Cmd, _ string) (runner.Runner, error) {
	r.cmd.Env = append(r.cmd.Env, spec.Env...)
	return r, nil
}

// release closes the pipes of a runner go-plugin never started.
func (r *procRunner) release() {
	if r.pid.Load() == 0 {
		r.cmd.Stdout.(*os.File).Close()
		r.cmd.Stderr.(*os.File).Close()
		r.closePipes()
	}
}

// Start starts the process and a goroutine that reaps it.
func (r *procRunner) Start(context.Context) error {
	err := procgroup.Start(r.cmd)
	// The child holds its own copies of the write ends.
	r.cmd.Stdout.(*os.File).Close()
	r.cmd.Stderr.(*os.File).Close()
	if err != nil {
		r.closePipes()
		return err
	}
	pid := r.cmd.Process.Pid
	r.pid.Store(int64(pid))
	go func() {
		r.waitErr = r.cmd.Wait()
		procgroup.Done(pid)
		close(r.exited)
		time.AfterFunc(pipeDelay, r.closePipes)
	}()
	return nil
}

func (r *procRunner) closePipes() {
	r.closePipe.Do(func() {
		r.stdout.Close()
		r.stderr.Close()
	})
}

// Wait waits until the plugin process has exited and its group is killed.
func (r *procRunner) Wait(ctx context.Context) error {
	select {
	case <-r.exited:
		return r.waitErr
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Kill kills the plugin's process group; it may be called more than once.
func (r *procRunner) Kill(context.Context) error {
	r.killGroup()
	return nil
}

// killGroup sends SIGKILL to the plugin's process group unless it is gone.
func (r *procRunner) killGroup() {
	pid := int(r.pid.Load())
	if pid == 0 {
		return
	}
	select {
	case <-r.exited:
		return // procgroup.Done killed the group
	default:
	}
	procgroup.Signal(pid, syscall.SIGKILL)
}

// Stdout is the plugin's standard output, where it says where it listens.
func (r *procRunner) Stdout() io.ReadCloser { return r.stdout }

// Stderr is the plugin's standard error, logged by go-plugin.
func (r *procRunner) Stderr() io.ReadCloser { return r.stderr }

// Name is the plugin's path.
func (r *procRunner) Name() string { return r.cmd.Path }

// ID is the plugin's process id, "" before it started.
func (r *procRunner) ID() string {
	pid := r.pid.Load()
	if pid == 0 {
		return ""
	}
	return strconv.FormatInt(pid, 10)
}

// Diagnose says what usually makes a plugin fail its handshake.
func (r *procRunner) Diagnose(context.Context) string {
	return fmt.Sprintf("%s did not print go-plugin's handshake line: it is not a batchd plugin, "+
		"was built for another system, or failed before serving (see its stderr above)", r.cmd.Path)
}

// PluginToHost keeps addresses as they are: the plugin runs on this machine.
func (r *procRunner) PluginToHost(network, addr string) (string, string, error) {
	return network, addr, nil
}

// HostToPlugin keeps addresses as they are.
func (r *procRunner) HostToPlugin(network, addr string) (string, string, error) {
	return network, addr, nil
}
