package localcluster

import (
	"context"
	"path/filepath"
	"testing"

	mesos "github.com/mesos/mesos-go/api/v1/lib"
)

// TestRemoveFinishedSandboxes checks that a finished task's sandbox, and
// its executor folder, are gone once Close has waited for the tasks'
// goroutines, which remove them, and a failed task's sandbox is kept.
func TestRemoveFinishedSandboxes(t *testing.T) {
	c := New(Config{RemoveFinishedSandboxes: true, WorkDir: t.TempDir(), CPUs: 2})
	if err := c.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	f := subscribe(t, c, protobufCodec(), frameworkInfo("gc"))
	offer := f.offers()[0]
	f.launch(offer, shellTask("ok", "echo fine"), shellTask("bad", "echo broken >&2; exit 4"))
	want := map[string]mesos.TaskState{"ok": mesos.TASK_FINISHED, "bad": mesos.TASK_FAILED}
	for len(want) > 0 {
		st := f.update(true)
		if w, ok := want[st.TaskID.Value]; ok && isTerminal(st.GetState()) {
			if st.GetState() != w {
				t.Fatalf("task %s ended %v, want %v", st.TaskID.Value, st.GetState(), w)
			}
			delete(want, st.TaskID.Value)
		}
	}

	if err := c.Close(); err != nil {
		t.Fatal(err)
	}
	sandboxes := func(task string) []string {
		m, err := filepath.Glob(filepath.Join(c.WorkDir(), "agents", "*", "frameworks", "*", "executors", task))
		if err != nil {
			t.Fatal(err)
		}
		return m
	}
	if got := sandboxes("ok"); len(got) != 0 {
		t.Errorf("finished task's executor folder kept: %v", got)
	}
	if got := readTaskFile(t, c, "bad", "stderr"); got != "broken\n" {
		t.Errorf("failed task's stderr = %q, want it kept", got)
	}
}
