package mesoskit

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
)

// readPid reads a pid file as mesos-up writes them.
func readPid(path string) (int, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return 0, err
	}
	pid, err := strconv.Atoi(strings.TrimSpace(string(b)))
	if err != nil {
		return 0, fmt.Errorf("reading %s: %w", path, err)
	}
	return pid, nil
}

// cmdline returns a live process's argv.
func cmdline(pid int) ([]string, error) {
	if pid <= 0 {
		return nil, errors.New("no live process to copy")
	}
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", pid))
	if err != nil {
		return nil, err
	}
	return strings.Split(strings.TrimRight(string(b), "\x00"), "\x00"), nil
}

// flagValue returns the value of the --name=value flag a live process was
// started with.
func flagValue(pid int, name string) (string, bool) {
	argv, err := cmdline(pid)
	if err != nil {
		return "", false
	}
	for _, a := range argv {
		if v, ok := strings.CutPrefix(a, name+"="); ok {
			return v, true
		}
	}
	return "", false
}

// alive reports whether pid is a live process (not a zombie).
func alive(pid int) bool {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return false
	}
	f := strings.Fields(string(b[bytes.LastIndexByte(b, ')')+1:]))
	return len(f) > 0 && f[0] != "Z"
}

// under lists the live processes, other than this one, whose command line
// names a path in dir or whose working directory is in dir: a cluster's
// daemons, executors and tasks (which run in sandboxes below the agent's work
// dir).
func under(dir string) []int {
	dir = filepath.Clean(dir)
	procs, _ := filepath.Glob("/proc/[0-9]*")
	var pids []int
	for _, p := range procs {
		pid, err := strconv.Atoi(filepath.Base(p))
		if err != nil || pid == os.Getpid() || !alive(pid) {
			continue
		}
		cwd, _ := os.Readlink(filepath.Join(p, "cwd"))
		cmd, _ := os.ReadFile(filepath.Join(p, "cmdline"))
		if cwd == dir || strings.HasPrefix(cwd, dir+"/") || namesPathIn(cmd, dir) {
			pids = append(pids, pid)
		}
	}
	return pids
}

// namesPathIn reports whether a NUL-separated command line names dir or a
// path below it.
func namesPathIn(cmdline []byte, dir string) bool {
	for arg := range bytes.SplitSeq(cmdline, []byte{0}) {
		if i := bytes.Index(arg, []byte(dir)); i >= 0 {
			rest := arg[i+len(dir):]
			if len(rest) == 0 || rest[0] == '/' {
				return true
			}
		}
	}
	return false
}

// killUnder sends SIGKILL to every process under(dir) until none is left.
func killUnder(dir string) error {
	var left []int
	ok := WaitFor(killTimeout, func() bool {
		left = under(dir)
		for _, pid := range left {
			syscall.Kill(pid, syscall.SIGKILL)
		}
		return len(left) == 0
	})
	if !ok {
		return fmt.Errorf("processes under %s survived SIGKILL: %v", dir, left)
	}
	return nil
}

// execOutput runs a command and returns its stdout; the error carries stderr.
func execOutput(name string, args ...string) (string, error) {
	var stdout, stderr bytes.Buffer
	cmd := exec.Command(name, args...)
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		return "", fmt.Errorf("%s: %w: %s", name, err, strings.TrimSpace(stderr.String()))
	}
	return stdout.String(), nil
}

// Processes returns the pids of the live processes of a cluster this package
// started (daemons, executors, tasks) whose command line contains substr; nil
// for an external cluster, whose processes this machine may not see.
func (c *Cluster) Processes(substr string) []int {
	if c.external {
		return nil
	}
	var pids []int
	for _, pid := range under(c.Dir) {
		cmd, _ := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", pid))
		if bytes.Contains(bytes.ReplaceAll(cmd, []byte{0}, []byte{' '}), []byte(substr)) {
			pids = append(pids, pid)
		}
	}
	return pids
}
