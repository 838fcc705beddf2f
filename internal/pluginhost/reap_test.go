package pluginhost

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/batchd/batchd/internal/procgroup"
)

// waitGone polls until none of pids is alive, for at most d, and returns
// those still alive.
func waitGone(pids []int, d time.Duration) []int {
	deadline := time.Now().Add(d)
	for {
		var left []int
		for _, pid := range pids {
			if procgroup.Alive(pid) {
				left = append(left, pid)
			}
		}
		if len(left) == 0 || time.Now().After(deadline) {
			return left
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// readPids reads the pids a script plugin wrote to file, one a line,
// waiting until want of them are there.
func readPids(t *testing.T, file string, want int) []int {
	t.Helper()
	deadline := time.Now().Add(time.Minute)
	for {
		b, _ := os.ReadFile(file)
		lines := strings.Fields(string(b))
		if len(lines) >= want {
			var pids []int
			for _, l := range lines {
				pid, err := strconv.Atoi(l)
				if err != nil {
					t.Fatalf("%s: %v", file, err)
				}
				pids = append(pids, pid)
			}
			return pids
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s holds %q, want %d pids", file, b, want)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestChildHoldingPipesDoesNotHang starts a plugin that never handshakes
// and leaves a child holding its stdout and stderr: the launch fails after
// StartTimeout naming the plugin, and both processes are killed.
func TestChildHoldingPipesDoesNotHang(t *testing.T) {
	dir := t.TempDir()
	pids := filepath.Join(dir, "pids")
	script := "#!/bin/sh\nsleep 1e5 &\necho $! >> " + pids + "\necho $$ >> " + pids + "\nexec sleep 1e5\n"
	if err := os.WriteFile(filepath.Join(dir, "batchd-workload-stuck"), []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	h := newHost(t, Config{Dirs: []string{dir}, StartTimeout: 500 * time.Millisecond})
	done := make(chan error, 1)
	go func() {
		_, err := h.Workload(context.Background(), "stuck")
		done <- err
	}()
	var err error
	select {
	case err = <-done:
	case <-time.After(time.Minute):
		t.Fatal("launching a plugin whose child holds its pipes did not return")
	}
	if !errors.Is(err, ErrStart) || !strings.Contains(err.Error(), filepath.Join(dir, "batchd-workload-stuck")) {
		t.Errorf("Workload: %v, want ErrStart naming the plugin", err)
	}
	if left := waitGone(readPids(t, pids, 2), time.Minute); len(left) > 0 {
		t.Errorf("processes %v outlived the failed launch", left)
	}
}

// TestCloseKillsPluginGroup checks that Close kills what a running plugin
// started, not only the plugin.
func TestCloseKillsPluginGroup(t *testing.T) {
	dir := t.TempDir()
	pids := filepath.Join(dir, "pids")
	// A shell wrapper that leaves a child behind, then becomes the plugin.
	script := "#!/bin/sh\nsleep 1e5 &\necho $! >> " + pids + "\nexec " + filepath.Join(bins, "batchd-workload-good") + "\n"
	if err := os.WriteFile(filepath.Join(dir, "batchd-workload-good"), []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	h := newHost(t, Config{Dirs: []string{dir}})
	if _, err := h.Workload(context.Background(), "good"); err != nil {
		t.Fatalf("Workload: %v", err)
	}
	all := append(readPids(t, pids, 1), pidOf(t, h, KindWorkload, "good"))
	h.Close()
	if left := waitGone(all, time.Minute); len(left) > 0 {
		t.Errorf("processes %v outlived Close", left)
	}
}
