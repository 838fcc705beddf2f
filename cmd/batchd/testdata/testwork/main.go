// Command batchd-workload-testwork is a workload plugin for batchd's
// end-to-end tests. Its params choose how its tasks behave:
//
//	tasks = N          how many tasks (default 1)
//	mode  = "ok"       each task reports {"n": i}
//	mode  = "flaky"    each task's first attempt exits 1, the next reports
//	mode  = "hang"     tasks sleep until killed
//	mode  = "hangchild" tasks start a child "sleep 1e5", then sleep until killed
//	mode  = "crash"    the plugin process exits during Plan
//	mode  = "hangplan" the plugin never answers Plan
//	mode  = "silent"   tasks exit 0 without reporting a result
//	mode  = "wait"     tasks wait until the file "release" is in the state folder, then report
//	mode  = "ls"       tasks report their sandbox as "path:perm:size:sha256[:8]" entries
//	mode  = "stderr"   tasks write 30 numbered lines ("stderr line N of task I", the
//	                   last with an escape character) to stderr and exit 1
//	mode  = "build"    each task reports which build of this program it is
//	                   (set with -ldflags "-X main.build=...")
//	state = "/dir"     where flaky tasks keep their markers
package main

import (
	"context"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/batchd/batchd/plugins/sdk"
	"github.com/batchd/batchd/plugins/workload"
)

// build names this build of the program, for tests that rebuild it.
var build = "0"

type testWork struct{}

func (testWork) Describe(context.Context) (workload.Info, error) {
	return workload.Info{Name: "testwork", Version: "0.0.1", Params: []workload.Param{
		{Name: "tasks", Type: workload.ParamInt}, {Name: "mode", Type: workload.ParamString},
	}}, nil
}

func (testWork) Plan(ctx context.Context, job workload.Job, emit func(workload.TaskSpec) error) error {
	n := 1
	if v, ok := job.Params["tasks"].(float64); ok {
		n = int(v)
	}
	mode, _ := job.Params["mode"].(string)
	state, _ := job.Params["state"].(string)
	if mode == "" {
		mode = "ok"
	}
	sdk.Logger().Debug("planning", "tasks", n, "mode", mode) // batchd labels it plugin=testwork
	switch mode {
	case "crash":
		os.Exit(3)
	case "hangplan":
		<-make(chan struct{}) // never answers, whatever ctx says
	}
	exe, err := os.Executable()
	if err != nil {
		return err
	}
	exe, _ = filepath.EvalSymlinks(exe)
	for i := 0; i < n; i++ {
		err := emit(workload.TaskSpec{
			ID:        strconv.Itoa(i),
			Command:   []string{"./" + filepath.Base(exe), "task", mode, strconv.Itoa(i)},
			Env:       map[string]string{"TESTWORK_STATE": state},
			Artifacts: []workload.Artifact{{URI: "file://" + exe, Executable: true, Cache: true}},
		})
		if err != nil {
			return err
		}
	}
	return nil
}

func (testWork) Reduce(ctx context.Context, job workload.Job, next func() (workload.Result, error)) (workload.Summary, error) {
	n := 0
	for {
		_, err := next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return workload.Summary{}, err
		}
		n++
	}
	return workload.Summary{Text: fmt.Sprintf("reduced %d", n), Output: json.RawMessage(strconv.Itoa(n))}, nil
}

// task runs one task in the given mode. flaky keeps a marker per task in the
// folder named by the job's "state" param, so the second attempt succeeds.
func task(mode, i string) error {
	ctx := context.Background()
	switch mode {
	case "flaky":
		marker := filepath.Join(os.Getenv("TESTWORK_STATE"), "flaky-"+i)
		if _, err := os.Stat(marker); err != nil {
			if err := os.WriteFile(marker, nil, 0o644); err != nil {
				return err
			}
			return errors.New("failing the first attempt on purpose")
		}
	case "hang":
		time.Sleep(time.Hour)
	case "hangchild":
		if err := exec.Command("sleep", "1e5").Start(); err != nil {
			return err
		}
		time.Sleep(time.Hour)
	case "silent":
		return nil
	case "stderr":
		for k := 1; k <= 30; k++ {
			fmt.Fprintf(os.Stderr, "stderr line %d of task %s\n", k, i)
		}
		fmt.Fprintln(os.Stderr, "colour \x1b[31mred\x1b[0m")
		return errors.New("failing with stderr on purpose")
	case "wait":
		release := filepath.Join(os.Getenv("TESTWORK_STATE"), "release")
		for {
			if _, err := os.Stat(release); err == nil {
				break
			}
			time.Sleep(50 * time.Millisecond)
		}
	case "ls":
		entries, err := listSandbox()
		if err != nil {
			return err
		}
		return sdk.Report(ctx, map[string]string{"n": i}, "ls "+i+": "+strings.Join(entries, " "))
	case "build":
		return sdk.Report(ctx, map[string]string{"build": build}, "testwork "+i+" is build "+build)
	}
	return sdk.Report(ctx, map[string]string{"n": i}, "testwork "+i+" done")
}

// listSandbox lists the files below the working directory (the sandbox)
// other than the task's own stdout and stderr, sorted.
func listSandbox() ([]string, error) {
	var entries []string
	err := filepath.WalkDir(".", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || path == "stdout" || path == "stderr" {
			return err
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		sum := sha256.Sum256(b)
		entries = append(entries, fmt.Sprintf("%s:%o:%d:%x", path, info.Mode().Perm(), len(b), sum[:4]))
		return nil
	})
	sort.Strings(entries)
	return entries, err
}

func main() {
	if len(os.Args) == 4 && os.Args[1] == "task" {
		if err := task(os.Args[2], os.Args[3]); err != nil {
			fmt.Fprintln(os.Stderr, "testwork:", err)
			os.Exit(1)
		}
		return
	}
	sdk.ServeWorkload(testWork{})
}
