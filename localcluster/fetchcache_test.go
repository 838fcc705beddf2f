package localcluster

import (
	"fmt"
	"os"
	"path/filepath"
	"syscall"
	"testing"

	mesos "github.com/mesos/mesos-go/api/v1/lib"
)

// TestCachedExecutableIsShared launches tasks at once that all run one
// cached executable URI: each finishes, and their sandboxes hold one
// read-only executable file, linked, not copied.
func TestCachedExecutableIsShared(t *testing.T) {
	const n = 6
	srv := scriptServer(t, "#!/bin/sh\necho \"hello $1\"\n")
	c := startCluster(t, Config{})
	f := subscribe(t, c, protobufCodec(), frameworkInfo("shared"))
	offer := f.offers()[0]
	var tasks []mesos.TaskInfo
	for i := 0; i < n; i++ {
		ti := commandTask(fmt.Sprintf("t%d", i), 0.5, 32, "./greet.sh", "world")
		ti.Command.URIs = []mesos.CommandInfo_URI{{Value: srv.URL + "/greet", Executable: ptr(true), Cache: ptr(true), OutputFile: ptr("greet.sh")}}
		tasks = append(tasks, ti)
	}
	f.launch(offer, tasks...)
	for done := 0; done < n; {
		st := f.update(true)
		if !isTerminal(st.GetState()) {
			continue
		}
		if st.GetState() != mesos.TASK_FINISHED {
			t.Fatalf("task %s: %v (%v: %q), want TASK_FINISHED", st.TaskID.Value, st.GetState(), st.GetReason(), st.GetMessage())
		}
		done++
	}
	files, err := filepath.Glob(filepath.Join(c.WorkDir(), "agents", "*", "frameworks", "*", "executors", "t*", "runs", "*", "greet.sh"))
	if err != nil || len(files) != n {
		t.Fatalf("sandbox files %v (%v), want %d", files, err, n)
	}
	inodes := map[uint64]bool{}
	for _, file := range files {
		fi, err := os.Stat(file)
		if err != nil {
			t.Fatal(err)
		}
		st := fi.Sys().(*syscall.Stat_t)
		inodes[st.Ino] = true
		if fi.Mode().Perm() != 0o555 || st.Nlink < n+1 {
			t.Errorf("%s: mode %v, %d links; want 0555 and at least %d (the cache and each sandbox)", file, fi.Mode().Perm(), st.Nlink, n+1)
		}
	}
	if len(inodes) != 1 {
		t.Errorf("the sandboxes hold %d files, want one shared", len(inodes))
	}
	if got := readTaskFile(t, c, "t0", "stdout"); got != "hello world\n" {
		t.Errorf("stdout %q", got)
	}
}
