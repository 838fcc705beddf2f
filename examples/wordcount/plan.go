package wordcount

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strconv"

	"github.com/batchd/batchd/plugins/sdk"

	"example.com/batchd-wordcount/count"
)

// TaskProgramName is the task program's file name: Plan stages the file of
// this name next to the plugin's own executable, unless
// Workload.TaskProgram says otherwise.
const TaskProgramName = "batchd-task-wordcount"

// inputName is the name each task's input file has in its sandbox.
const inputName = "input.txt"

// taskData is what a task's spec carries to Reduce (TaskSpec.Data).
type taskData struct {
	File  string `json:"file"`
	First int    `json:"first"`
}

// Plan emits one task per file of the input, or per chunk of `lines`
// lines when that param is set. Files are taken in lexical order of their
// paths; empty files get no task. Each task runs
// "./batchd-task-wordcount input.txt FIRST COUNT" with the task program
// and its file as artifacts. Bad params are errors wrapping
// sdk.ErrInvalidParams.
func (w *Workload) Plan(ctx context.Context, job sdk.Job, emit func(sdk.TaskSpec) error) error {
	for _, name := range slices.Sorted(maps.Keys(job.Params)) {
		if name != ParamInput && name != ParamLines && name != ParamTop {
			return invalid("param %q: unknown (want %q, %q or %q)", name, ParamInput, ParamLines, ParamTop)
		}
	}
	chunk, err := intParam(job.Params, ParamLines, 0, 0)
	if err != nil {
		return err
	}
	if _, err := intParam(job.Params, ParamTop, DefaultTop, 1); err != nil {
		return err // checked now so that a bad top fails before any task runs
	}
	root, ok := job.Files[ParamInput]
	if !ok || root == "" {
		return invalid("param %q: no staged copy in the job's files", ParamInput)
	}
	prog, err := w.program()
	if err != nil {
		return fmt.Errorf("wordcount: planning %s: %w", job.Name, err)
	}
	files, err := inputFiles(root)
	if err != nil {
		return fmt.Errorf("wordcount: reading param %q: %w", ParamInput, err)
	}
	id := 0
	for _, f := range files {
		n, err := countLines(f.path)
		if err != nil {
			return fmt.Errorf("wordcount: reading param %q: %w", ParamInput, err)
		}
		step := chunk
		if step == 0 {
			step = max(n, 1)
		}
		for first := 1; first <= n; first += step {
			if err := ctx.Err(); err != nil {
				return err
			}
			if err := emit(spec(id, prog, f, first, min(step, n-first+1))); err != nil {
				return err
			}
			id++
		}
	}
	if id == 0 {
		return invalid("param %q: the input holds no lines", ParamInput)
	}
	return nil
}

// spec is task id: lines first to first+n-1 of file f.
func spec(id int, prog string, f inputFile, first, n int) sdk.TaskSpec {
	data, _ := json.Marshal(taskData{File: f.name, First: first}) // always marshals
	label := fmt.Sprintf("%s:%d-%d", f.name, first, first+n-1)
	return sdk.TaskSpec{
		ID:      strconv.Itoa(id),
		Name:    "wordcount " + label,
		Label:   label,
		Command: []string{"./" + filepath.Base(prog), inputName, strconv.Itoa(first), strconv.Itoa(n)},
		Artifacts: []sdk.Artifact{
			{URI: fileURI(prog), Executable: true, Cache: true},
			{URI: fileURI(f.path), OutputFile: inputName},
		},
		Data: data,
	}
}

func fileURI(path string) string { return (&url.URL{Scheme: "file", Path: path}).String() }

// inputFile is one file of the input; name is how labels call it.
type inputFile struct{ path, name string }

// inputFiles lists the regular files under root (or root itself, a file).
func inputFiles(root string) ([]inputFile, error) {
	fi, err := os.Stat(root)
	if err != nil {
		return nil, err
	}
	if !fi.IsDir() {
		return []inputFile{{path: root, name: "input"}}, nil
	}
	var files []inputFile
	err = filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil || !d.Type().IsRegular() {
			return err
		}
		rel, err := filepath.Rel(root, p)
		files = append(files, inputFile{path: p, name: filepath.ToSlash(rel)})
		return err
	})
	return files, err
}

// countLines counts the lines of the file at path, a last line without a
// newline included.
func countLines(path string) (int, error) {
	f, err := os.Open(path)
	if err != nil {
		return 0, err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 64<<10), count.MaxLine)
	n := 0
	for sc.Scan() {
		n++
	}
	if err := sc.Err(); errors.Is(err, bufio.ErrTooLong) {
		return 0, fmt.Errorf("%s line %d: longer than the limit of %d bytes for one line: %w", path, n+1, count.MaxLine, err)
	} else if err != nil {
		return 0, fmt.Errorf("%s line %d: %w", path, n+1, err)
	}
	return n, nil
}

// program finds the task program: w.TaskProgram, or TaskProgramName next
// to this process's executable (symlinks resolved).
func (w *Workload) program() (string, error) {
	path := w.TaskProgram
	if path == "" {
		exe, err := os.Executable()
		if err == nil {
			exe, err = filepath.EvalSymlinks(exe)
		}
		if err != nil {
			return "", fmt.Errorf("finding the task program next to this plugin's executable: %w", err)
		}
		path = filepath.Join(filepath.Dir(exe), TaskProgramName)
	}
	path, err := filepath.Abs(path)
	if err == nil {
		path, err = filepath.EvalSymlinks(path)
	}
	if err != nil {
		return "", fmt.Errorf("task program %s: %w; build it with \"go build -o %s ./cmd/%s\" in examples/wordcount",
			path, err, path, TaskProgramName)
	}
	return path, nil
}
