package main

import (
	"bytes"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// envRunAsBatchd makes the test binary run batchd's main instead of the
// tests, so a test can signal and SIGKILL a real batchd process.
const envRunAsBatchd = "BATCHD_TEST_RUN_AS_BATCHD"

// batchdProcess is batchd running as a child process of the test.
type batchdProcess struct {
	cmd    *exec.Cmd
	stdout syncBuffer
	stderr syncBuffer
	done   chan struct{}
	err    error
}

// startBatchdProcess starts batchd with args as a process of its own; it
// is SIGKILLed when the test ends if still running.
func startBatchdProcess(t *testing.T, args ...string) *batchdProcess {
	t.Helper()
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	p := &batchdProcess{done: make(chan struct{})}
	p.cmd = exec.Command(exe, args...)
	p.cmd.Env = append(os.Environ(), envRunAsBatchd+"=1")
	p.cmd.Stdout, p.cmd.Stderr = &p.stdout, &p.stderr
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() {
		p.err = p.cmd.Wait()
		close(p.done)
	}()
	t.Cleanup(func() {
		p.cmd.Process.Kill()
		<-p.done
	})
	return p
}

// exited reports whether batchd has exited.
func (p *batchdProcess) exited() bool {
	select {
	case <-p.done:
		return true
	default:
		return false
	}
}

// wait waits at most d for batchd to exit and returns its exit code.
func (p *batchdProcess) wait(t *testing.T, d time.Duration) int {
	t.Helper()
	select {
	case <-p.done:
	case <-time.After(d):
		t.Fatalf("batchd did not exit within %v\nstderr:\n%s", d, tail(p.stderr.String()))
	}
	var ee *exec.ExitError
	if errors.As(p.err, &ee) {
		return ee.ExitCode() // -1 if a signal ended it
	}
	if p.err != nil {
		t.Fatal(p.err)
	}
	return 0
}

// proc is one process, told from a later one with the same pid by its start time.
type proc struct {
	pid     int
	start   string
	cmdline string
}

// readProc reads process pid from /proc; ok is false if it is gone or a zombie.
func readProc(pid int) (p proc, ppid int, ok bool) {
	b, err := os.ReadFile(filepath.Join("/proc", strconv.Itoa(pid), "stat"))
	if err != nil {
		return proc{}, 0, false
	}
	// pid (comm) state ppid pgrp ... starttime (field 22): comm may hold spaces.
	f := strings.Fields(string(b[bytes.LastIndexByte(b, ')')+1:]))
	if len(f) < 20 || f[0] == "Z" {
		return proc{}, 0, false
	}
	ppid, _ = strconv.Atoi(f[1])
	cmd, _ := os.ReadFile(filepath.Join("/proc", strconv.Itoa(pid), "cmdline"))
	return proc{pid: pid, start: f[19], cmdline: strings.TrimSpace(strings.ReplaceAll(string(cmd), "\x00", " "))}, ppid, true
}

// alive reports whether p is still running (not a zombie, not a new process with its pid).
func (p proc) alive() bool {
	q, _, ok := readProc(p.pid)
	return ok && q.start == p.start
}

// descendants lists the live processes below root.
func descendants(t *testing.T, root int) []proc {
	t.Helper()
	entries, err := os.ReadDir("/proc")
	if err != nil {
		t.Skipf("no /proc: %v", err)
	}
	kids := map[int][]proc{}
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		if p, ppid, ok := readProc(pid); ok {
			kids[ppid] = append(kids[ppid], p)
		}
	}
	var out []proc
	for queue := kids[root]; len(queue) > 0; queue = queue[1:] {
		out = append(out, queue[0])
		queue = append(queue, kids[queue[0].pid]...)
	}
	return out
}

// poll calls cond every 20 ms until it holds or d has passed.
func poll(d time.Duration, cond func() bool) bool {
	deadline := time.Now().Add(d)
	for !cond() {
		if time.Now().After(deadline) {
			return false
		}
		time.Sleep(20 * time.Millisecond)
	}
	return true
}
