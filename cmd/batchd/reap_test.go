package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// hangJob is a config whose job runs n testwork tasks in mode "hang" or
// "hangchild" (never ending), on the embedded cluster.
func hangJob(t *testing.T, mode string, n int) string {
	return writeConfig(t, fmt.Sprintf("[state]\ndir = %q\n\n[local]\ncpus = 4\nmem = \"1GiB\"\n\n%s",
		t.TempDir(), testworkJob("hang", mode, n, 0, "")))
}

// waitForWork waits until batchd runs the testwork plugin and n of its
// tasks (and, if children, each task's child), and returns every process
// below batchd then.
func waitForWork(t *testing.T, b *batchdProcess, n int, children bool) (all []proc, plugin proc) {
	t.Helper()
	ok := poll(time.Minute, func() bool {
		if b.exited() {
			t.Fatalf("batchd exited before its tasks ran\nstderr:\n%s", tail(b.stderr.String()))
		}
		all = descendants(t, b.cmd.Process.Pid)
		tasks, kids := 0, 0
		plugin = proc{}
		for _, p := range all {
			switch {
			case strings.Contains(p.cmdline, "batchd-workload-testwork task hang"):
				tasks++
			case p.cmdline == "sleep 1e5":
				kids++
			case strings.HasSuffix(p.cmdline, "/batchd-workload-testwork"):
				plugin = p
			}
		}
		return tasks == n && (!children || kids == n) && plugin.pid != 0
	})
	if !ok {
		t.Fatalf("batchd did not run the plugin and %d tasks within a minute; its processes: %v\nstderr:\n%s", n, all, tail(b.stderr.String()))
	}
	return all, plugin
}

// wantGone fails the test unless every process of all is gone within a few seconds.
func wantGone(t *testing.T, all []proc) {
	t.Helper()
	var left []proc
	poll(30*time.Second, func() bool {
		left = left[:0]
		for _, p := range all {
			if p.alive() {
				left = append(left, p)
			}
		}
		return len(left) == 0
	})
	for _, p := range left {
		t.Errorf("process %d (%s) outlived batchd", p.pid, p.cmdline)
		syscall.Kill(p.pid, syscall.SIGKILL)
	}
}

// TestSIGKILLLeavesNothingBehind kills batchd with SIGKILL while its
// plugins and embedded-cluster tasks run, each task with a child of its
// own: none of them may survive it.
func TestSIGKILLLeavesNothingBehind(t *testing.T) {
	b := startBatchdProcess(t, "--config", hangJob(t, "hangchild", 3))
	all, _ := waitForWork(t, b, 3, true)
	b.cmd.Process.Kill()
	if code := b.wait(t, time.Minute); code != -1 {
		t.Errorf("exit code %d, want death by SIGKILL", code)
	}
	wantGone(t, all)
}

// TestInterruptStopsEverything sends SIGINT or SIGTERM to a running batchd.
func TestInterruptStopsEverything(t *testing.T) {
	tests := []struct {
		name string
		sig  syscall.Signal
		code int
	}{
		{name: "SIGINT", sig: syscall.SIGINT, code: 130},
		{name: "SIGTERM", sig: syscall.SIGTERM, code: 143},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			b := startBatchdProcess(t, "--config", hangJob(t, "hangchild", 2))
			all, _ := waitForWork(t, b, 2, true)
			b.cmd.Process.Signal(tc.sig)
			code := b.wait(t, time.Minute)
			errOut := b.stderr.String()
			if code != tc.code {
				t.Errorf("exit code %d, want %d\nstderr:\n%s", code, tc.code, tail(errOut))
			}
			if !strings.Contains(errOut, "interrupted, stopping") {
				t.Errorf("stderr does not say \"interrupted, stopping\":\n%s", tail(errOut))
			}
			wantGone(t, all)
		})
	}
}

// TestSecondInterruptKillsAtOnce interrupts batchd while its plugin cannot
// answer (stopped), which holds up the orderly stop; a second SIGINT kills
// every plugin and task at once.
func TestSecondInterruptKillsAtOnce(t *testing.T) {
	b := startBatchdProcess(t, "--config", hangJob(t, "hangchild", 2))
	all, plugin := waitForWork(t, b, 2, true)
	if err := syscall.Kill(plugin.pid, syscall.SIGSTOP); err != nil {
		t.Fatal(err)
	}
	b.cmd.Process.Signal(syscall.SIGINT)
	if !poll(time.Minute, func() bool { return strings.Contains(b.stderr.String(), "interrupted, stopping") }) {
		t.Fatalf("batchd did not say it stops\nstderr:\n%s", tail(b.stderr.String()))
	}
	b.cmd.Process.Signal(syscall.SIGINT)
	code := b.wait(t, time.Minute)
	errOut := b.stderr.String()
	if code != 130 {
		t.Errorf("exit code %d, want 130\nstderr:\n%s", code, tail(errOut))
	}
	if !strings.Contains(errOut, "interrupted again") {
		t.Errorf("the second SIGINT was not handled during the stop:\n%s", tail(errOut))
	}
	wantGone(t, all)
}

// TestPluginChildHoldingPipes runs a workload plugin that never handshakes
// and leaves a child holding its stdout and stderr: batchd fails naming the
// plugin once the start timeout has passed, and leaves no process behind.
func TestPluginChildHoldingPipes(t *testing.T) {
	dir := t.TempDir()
	pids := filepath.Join(dir, "pids")
	script := "#!/bin/sh\nsleep 1e5 &\necho $! >> " + pids + "\necho $$ >> " + pids + "\nexec sleep 1e5\n"
	plugin := filepath.Join(dir, "batchd-workload-stuck")
	if err := os.WriteFile(plugin, []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	cfg := filepath.Join(dir, "cluster.toml")
	body := fmt.Sprintf("[plugins]\ndirs = [%q, %q]\n\n[state]\ndir = %q\n\n[[job]]\nname = \"stuck\"\nworkload = \"stuck\"\ncpus = 0.1\nmem = \"16MiB\"\n",
		pluginDir, dir, t.TempDir())
	if err := os.WriteFile(cfg, []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	code, _, errOut := run(t, time.Minute, "--config", cfg)
	if code == 0 || !strings.Contains(errOut, plugin) || !strings.Contains(errOut, "timeout") {
		t.Errorf("exit %d, want a failure naming %s and the timeout\nstderr:\n%s", code, plugin, tail(errOut))
	}
	b, err := os.ReadFile(pids)
	if err != nil {
		t.Fatalf("the plugin script did not run: %v", err)
	}
	fields := strings.Fields(string(b))
	if len(fields) != 2 {
		t.Fatalf("the plugin script wrote %q, want two pids", b)
	}
	var left []string
	poll(30*time.Second, func() bool {
		left = left[:0]
		for _, f := range fields {
			pid, _ := strconv.Atoi(f)
			if _, _, ok := readProc(pid); ok {
				left = append(left, f)
			}
		}
		return len(left) == 0
	})
	if len(left) > 0 {
		t.Errorf("processes %v of the stuck plugin outlived batchd", left)
	}
}
