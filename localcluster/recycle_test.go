package localcluster

import (
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"syscall"
	"testing"
)

// TestRecycledSandboxesStartClean runs tasks that each check they start in
// an empty sandbox (only empty stdout and stderr files), then leave files,
// folders, output and an unwritable stdout behind for the next task that
// gets their recycled folder.
func TestRecycledSandboxesStartClean(t *testing.T) {
	c := startCluster(t, Config{CPUs: 4, RemoveFinishedSandboxes: true})
	f := subscribe(t, c, protobufCodec(), frameworkInfo("recycle"))
	const script = `[ "$(ls -A | tr '\n' ' ')" = "stderr stdout " ] || { echo "dirty sandbox: $(ls -A)" >&2; exit 1; }
[ ! -s stdout ] && [ ! -s stderr ] || { echo "stdout or stderr not empty" >&2; exit 1; }
echo out; echo err >&2; echo junk > leftover; mkdir -p d/e; touch d/e/f; chmod 000 stdout d`
	runTasks(t, f, 40, "/bin/sh", "-c", script)
}

// TestRecycleSandbox checks the agent's side directly: a finished sandbox is
// emptied and parked, and the next task's sandbox is that folder (same
// inodes) renamed into place; what cannot be recycled is removed.
func TestRecycleSandbox(t *testing.T) {
	log := slog.New(slog.DiscardHandler)
	newAgent := func(t *testing.T) *agent {
		dir := t.TempDir()
		return &agent{dir: dir, spares: spares{dir: filepath.Join(dir, "spare")}}
	}
	inode := func(t *testing.T, path string) uint64 {
		t.Helper()
		fi, err := os.Stat(path)
		if err != nil {
			t.Fatal(err)
		}
		return fi.Sys().(*syscall.Stat_t).Ino
	}
	finished := func(t *testing.T, a *agent, task, run string) string {
		t.Helper()
		sb, err := a.makeSandbox("fw", task, run)
		if err != nil {
			t.Fatal(err)
		}
		for name, body := range map[string]string{"stdout": "out", "stderr": "err", "data": "junk"} {
			if err := os.WriteFile(filepath.Join(sb, name), []byte(body), 0o644); err != nil {
				t.Fatal(err)
			}
		}
		if err := os.MkdirAll(filepath.Join(sb, "d", "e"), 0o700); err != nil {
			t.Fatal(err)
		}
		return sb
	}

	t.Run("reused", func(t *testing.T) {
		a := newAgent(t)
		first := finished(t, a, "A", "r1")
		ino := inode(t, filepath.Join(first, "stdout"))
		a.recycleSandbox(log, first)
		if _, err := os.Stat(filepath.Join(a.dir, "frameworks", "fw", "executors", "A")); !os.IsNotExist(err) {
			t.Fatalf("finished task's executor folder still there: %v", err)
		}
		next, err := a.makeSandbox("fw", "B", "r2")
		if err != nil {
			t.Fatal(err)
		}
		if next != a.sandbox("fw", "B", "r2") {
			t.Fatalf("sandbox %s, want %s", next, a.sandbox("fw", "B", "r2"))
		}
		entries, _ := os.ReadDir(next)
		var names []string
		for _, e := range entries {
			names = append(names, e.Name())
			if fi, _ := e.Info(); fi.Size() != 0 {
				t.Errorf("%s holds %d bytes, want none", e.Name(), fi.Size())
			}
		}
		if !slices.Equal(names, []string{"stderr", "stdout"}) {
			t.Errorf("recycled sandbox holds %v, want [stderr stdout]", names)
		}
		if got := inode(t, filepath.Join(next, "stdout")); got != ino {
			t.Errorf("stdout inode %d, want %d: the folder was not reused", got, ino)
		}
	})

	t.Run("another run of the same task keeps its folder", func(t *testing.T) {
		a := newAgent(t)
		first := finished(t, a, "A", "r1")
		if _, err := a.makeSandbox("fw", "A", "r2"); err != nil {
			t.Fatal(err)
		}
		a.recycleSandbox(log, first)
		if _, err := os.Stat(first); !os.IsNotExist(err) {
			t.Fatalf("finished run's sandbox still there: %v", err)
		}
		if _, err := os.Stat(a.sandbox("fw", "A", "r2")); err != nil {
			t.Fatalf("the other run's sandbox is gone: %v", err)
		}
		if len(a.spares.free) != 0 {
			t.Fatalf("parked %v, want nothing", a.spares.free)
		}
	})

	t.Run("a spare meeting a busy executor folder is dropped", func(t *testing.T) {
		a := newAgent(t)
		a.recycleSandbox(log, finished(t, a, "A", "r1"))
		busy := finished(t, a, "B", "r2") // takes A's spare
		a.recycleSandbox(log, finished(t, a, "C", "r3"))
		next, err := a.makeSandbox("fw", "B", "r4") // B's folder holds r2
		if err != nil {
			t.Fatal(err)
		}
		for _, dir := range []string{busy, next} {
			if _, err := os.Stat(dir); err != nil {
				t.Errorf("%s: %v", dir, err)
			}
		}
	})

	t.Run("the pool is bounded", func(t *testing.T) {
		a := newAgent(t)
		var sandboxes []string
		for i := range maxSpares + 3 {
			sandboxes = append(sandboxes, finished(t, a, fmt.Sprintf("T%d", i), "r"))
		}
		for _, sb := range sandboxes {
			a.recycleSandbox(log, sb)
		}
		if len(a.spares.free) != maxSpares {
			t.Fatalf("%d parked, want %d", len(a.spares.free), maxSpares)
		}
		for _, sb := range sandboxes {
			if _, err := os.Stat(sb); !os.IsNotExist(err) {
				t.Errorf("%s still there", sb)
			}
		}
	})
}
