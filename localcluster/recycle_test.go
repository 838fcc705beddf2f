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
// parked where it is, still readable, and the next task's sandbox is that
// folder (same inodes) renamed into place and cleared; what cannot be
// recycled is removed.
func TestRecycleSandbox(t *testing.T) {
	log := slog.New(slog.DiscardHandler)
	newAgent := func(t *testing.T) *agent {
		return &agent{dir: t.TempDir()}
	}
	inode := func(t *testing.T, path string) uint64 {
		t.Helper()
		fi, err := os.Stat(path)
		if err != nil {
			t.Fatal(err)
		}
		return fi.Sys().(*syscall.Stat_t).Ino
	}
	exists := func(path string) bool {
		_, err := os.Stat(path)
		return err == nil
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
		if err := os.Chmod(sb, 0o700); err != nil {
			t.Fatal(err)
		}
		return sb
	}

	t.Run("reused", func(t *testing.T) {
		a := newAgent(t)
		first := finished(t, a, "A", "r1")
		ino := inode(t, filepath.Join(first, "stdout"))
		a.recycleSandbox(log, first)
		if b, err := os.ReadFile(filepath.Join(first, "stderr")); err != nil || string(b) != "err" {
			t.Fatalf("parked sandbox's stderr = %q, %v; want it readable until reused", b, err)
		}
		next, err := a.makeSandbox("fw", "B", "r2")
		if err != nil {
			t.Fatal(err)
		}
		if next != a.sandbox("fw", "B", "r2") {
			t.Fatalf("sandbox %s, want %s", next, a.sandbox("fw", "B", "r2"))
		}
		if exists(filepath.Dir(filepath.Dir(first))) {
			t.Errorf("finished task's executor folder still there after reuse")
		}
		entries, _ := os.ReadDir(next)
		var names []string
		for _, e := range entries {
			names = append(names, e.Name())
		}
		if !slices.Equal(names, []string{"stderr", "stdout"}) {
			t.Errorf("recycled sandbox holds %v, want [stderr stdout]", names)
		}
		if fi, _ := os.Stat(next); fi.Mode().Perm() != 0o755 {
			t.Errorf("recycled sandbox mode %v, want 0755", fi.Mode().Perm())
		}
		if got := inode(t, filepath.Join(next, "stdout")); got != ino {
			t.Errorf("stdout inode %d, want %d: the folder was not reused", got, ino)
		}
		// The next task's stdout and stderr start empty.
		for _, name := range []string{"stdout", "stderr"} {
			f, err := createOutput(filepath.Join(next, name))
			if err != nil {
				t.Fatal(err)
			}
			if fi, _ := f.Stat(); fi.Size() != 0 {
				t.Errorf("%s holds %d bytes, want none", name, fi.Size())
			}
			f.Close()
		}
	})

	t.Run("another run of the same task keeps its folder", func(t *testing.T) {
		a := newAgent(t)
		first := finished(t, a, "A", "r1")
		if _, err := a.makeSandbox("fw", "A", "r2"); err != nil {
			t.Fatal(err)
		}
		a.recycleSandbox(log, first)
		if _, err := a.makeSandbox("fw", "B", "r3"); err != nil {
			t.Fatal(err)
		}
		if exists(first) {
			t.Errorf("finished run's sandbox still there")
		}
		if !exists(a.sandbox("fw", "A", "r2")) {
			t.Errorf("the other run's sandbox is gone")
		}
		if len(a.spares.free) != 0 {
			t.Errorf("parked %v, want nothing", a.spares.free)
		}
	})

	t.Run("the same task again", func(t *testing.T) {
		a := newAgent(t)
		first := finished(t, a, "A", "r1")
		a.recycleSandbox(log, first)
		next, err := a.makeSandbox("fw", "A", "r2")
		if err != nil {
			t.Fatal(err)
		}
		if exists(first) || !exists(next) {
			t.Errorf("old run there: %v, new run there: %v; want only the new one", exists(first), exists(next))
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
			if !exists(dir) {
				t.Errorf("%s is gone", dir)
			}
		}
		if exists(a.sandbox("fw", "C", "r3")) {
			t.Errorf("C's spare is still there")
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
		for i, sb := range sandboxes {
			if want := i < maxSpares; exists(sb) != want {
				t.Errorf("%s there: %v, want %v", sb, exists(sb), want)
			}
		}
		a.dropSpares()
		for _, sb := range sandboxes {
			if exists(filepath.Dir(filepath.Dir(sb))) {
				t.Errorf("%s's executor folder still there after dropSpares", sb)
			}
		}
	})
}
