package sum

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"math/big"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"github.com/batchd/batchd/plugins/sdk"
	"github.com/batchd/batchd/workloads/sum/task"
)

// TaskProgramName is the task program's file name. Unless
// Workload.TaskProgram says otherwise, Plan stages the file of this name
// next to the plugin's own executable (make build puts both in
// bin/plugins).
const TaskProgramName = "batchd-task-sum"

// taskProgram is the task program as the tasks run it: staged to agents as
// an executable artifact and run from the sandbox.
type taskProgram struct {
	uri  string // file:// URI of the executable
	base string // its file name in the sandbox
}

// program finds the task program: w.TaskProgram, or TaskProgramName next
// to this process's executable. Symlinks are resolved, so the sandbox
// holds the file under the name its URI ends with.
func (w *Workload) program() (taskProgram, error) {
	path := w.TaskProgram
	if path == "" {
		exe, err := os.Executable()
		if err == nil {
			exe, err = filepath.EvalSymlinks(exe)
		}
		if err != nil {
			return taskProgram{}, fmt.Errorf("finding the task program next to this plugin's executable: %w", err)
		}
		path = filepath.Join(filepath.Dir(exe), TaskProgramName)
	}
	path, err := filepath.Abs(path)
	if err != nil {
		return taskProgram{}, fmt.Errorf("task program %s: %w", path, err)
	}
	resolved, err := filepath.EvalSymlinks(path)
	if err == nil {
		var fi os.FileInfo
		if fi, err = os.Stat(resolved); err == nil && !fi.Mode().IsRegular() {
			err = fmt.Errorf("a %s, not a file", fi.Mode().Type())
		}
	}
	if errors.Is(err, fs.ErrNotExist) {
		err = fs.ErrNotExist // the path is in the message already
	}
	if err != nil {
		return taskProgram{}, fmt.Errorf("task program %s: %w; build it there from batchd's source tree with "+
			"\"go build -o %s ./cmd/batchd-task-sum\" (make build does it)", path, err, path)
	}
	return taskProgram{uri: (&url.URL{Scheme: "file", Path: resolved}).String(), base: filepath.Base(resolved)}, nil
}

// spec is the task for group number i (from 0): "./batchd-task-sum 1 2 3"
// with the task program as its one artifact, labelled with its group.
func (p taskProgram) spec(i int, nums []*big.Int) sdk.TaskSpec {
	ds := task.Decimals(nums)
	group := strings.Join(ds, " ")
	data, _ := json.Marshal(group) // a string always marshals
	return sdk.TaskSpec{
		ID:        strconv.Itoa(i),
		Name:      "sum " + strings.Trim(task.Quote(group), `"`),
		Label:     label(group),
		Command:   slices.Concat([]string{"./" + p.base}, ds),
		Artifacts: []sdk.Artifact{{URI: p.uri, Executable: true, Cache: true}},
		Data:      data,
	}
}

// maxLabel bounds a task's label in bytes, "…" included.
const maxLabel = 200

// label is a task's label: its group, normalised ("1 2 3"). A longer group
// is cut to maxLabel bytes ending in "…", after its last whole number when
// one fits, so a cut number is not shown as a smaller one. A group is
// ASCII, so any byte cut leaves whole characters.
func label(group string) string {
	if len(group) <= maxLabel {
		return group
	}
	const more = "…"
	cut := group[:maxLabel-len(more)]
	if sp := strings.LastIndexByte(cut, ' '); sp > 0 {
		cut = cut[:sp+1] // "1 2 …"
	}
	return cut + more
}
