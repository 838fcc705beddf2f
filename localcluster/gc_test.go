package localcluster

import (
	"path/filepath"
	"testing"

	mesos "github.com/mesos/mesos-go/api/v1/lib"
)

// TestRemoveFinishedSandboxes checks that a finished task's sandbox is gone
// once its TASK_FINISHED is sent, and a failed task's sandbox is kept.
func TestRemoveFinishedSandboxes(t *testing.T) {
	c := startCluster(t, Config{RemoveFinishedSandboxes: true})
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

	sandboxes := func(task string) []string {
		m, err := filepath.Glob(filepath.Join(c.WorkDir(), "agents", "*", "frameworks", "*", "executors", task, "runs", "*"))
		if err != nil {
			t.Fatal(err)
		}
		return m
	}
	if got := sandboxes("ok"); len(got) != 0 {
		t.Errorf("finished task's sandbox kept: %v", got)
	}
	if got := readTaskFile(t, c, "bad", "stderr"); got != "broken\n" {
		t.Errorf("failed task's stderr = %q, want it kept", got)
	}
}
