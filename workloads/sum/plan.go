package sum

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"maps"
	"math/big"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/batchd/batchd/plugins/sdk"
	"github.com/batchd/batchd/workloads/sum/task"
)

// maxLine bounds one line of an input file (a group of very big numbers).
const maxLine = 64 << 20

// Plan emits one task per group. With "groups" the groups come from the
// params; with "input" from the staged file job.Files["input"], which is
// read twice: once to check every line, then to emit, so a bad line fails
// the plan before any task is emitted and memory stays bounded. Problems
// are errors wrapping sdk.ErrInvalidParams naming the param and the
// group (by 1-based position, or line number for input).
func (w *Workload) Plan(ctx context.Context, job sdk.Job, emit func(sdk.TaskSpec) error) error {
	src, err := groupSource(job)
	if err != nil {
		return err
	}
	if err := src(ctx, func([]*big.Int) error { return nil }); err != nil {
		return err
	}
	prog, err := w.program()
	if err != nil {
		return fmt.Errorf("sum: planning %s: %w", job.Name, err)
	}
	i := 0
	return src(ctx, func(nums []*big.Int) error {
		spec := prog.spec(i, nums)
		i++
		return emit(spec)
	})
}

// source calls fn with each group in order, stopping at the first error.
type source func(ctx context.Context, fn func(nums []*big.Int) error) error

// groupSource checks the params and returns where the groups come from.
func groupSource(job sdk.Job) (source, error) {
	var errs []error
	for _, name := range slices.Sorted(maps.Keys(job.Params)) {
		if name != ParamGroups && name != ParamInput {
			errs = append(errs, invalid("param %q: unknown (want %q or %q)", name, ParamGroups, ParamInput))
		}
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	groups, hasGroups := job.Params[ParamGroups]
	_, hasInput := job.Params[ParamInput]
	switch {
	case hasGroups && hasInput:
		return nil, invalid("params %q and %q: give exactly one", ParamGroups, ParamInput)
	case hasGroups:
		list, err := stringList(groups)
		if err != nil {
			return nil, err
		}
		return listSource(list), nil
	case hasInput:
		path, ok := job.Files[ParamInput]
		if !ok || path == "" {
			return nil, invalid("param %q: no staged copy in the job's files", ParamInput)
		}
		uri, _ := job.Params[ParamInput].(string)
		return fileSource(path, sdk.RedactURI(uri)), nil
	}
	return nil, invalid("params: give %q (a list of groups) or %q (a file of groups)", ParamGroups, ParamInput)
}

// stringList accepts the groups param as decoded from JSON ([]any of
// strings) or as built in Go ([]string).
func stringList(v any) ([]string, error) {
	switch l := v.(type) {
	case []string:
		if len(l) == 0 {
			return nil, invalid("param %q: empty list", ParamGroups)
		}
		return l, nil
	case []any:
		if len(l) == 0 {
			return nil, invalid("param %q: empty list", ParamGroups)
		}
		out := make([]string, len(l))
		for i, e := range l {
			s, ok := e.(string)
			if !ok {
				return nil, invalid("param %q: group %d is a %T, want a string such as \"1 2 3\"", ParamGroups, i+1, e)
			}
			out[i] = s
		}
		return out, nil
	}
	return nil, invalid("param %q: a %T, want a list of strings such as [\"1 2 3\", \"4 5 6\"]", ParamGroups, v)
}

func listSource(list []string) source {
	return func(ctx context.Context, fn func([]*big.Int) error) error {
		for i, g := range list {
			if err := ctx.Err(); err != nil {
				return err
			}
			nums, err := task.ParseGroup(g)
			if err != nil {
				return invalid("param %q: group %d %s: %w", ParamGroups, i+1, task.Quote(g), err)
			}
			if err := fn(nums); err != nil {
				return err
			}
		}
		return nil
	}
}

// fileSource reads groups from the staged input: a file, or a folder (an
// extracted archive) whose regular files are read in lexical order of
// their paths, one group per non-blank line of every file. uri is the
// input as the job gave it (redacted), which errors name.
func fileSource(path, uri string) source {
	return func(ctx context.Context, fn func([]*big.Int) error) error {
		files, err := inputFiles(path, uri)
		if err != nil {
			return fmt.Errorf("sum: reading param %q: %w", ParamInput, err)
		}
		groups := 0
		for _, f := range files {
			n, err := readGroups(ctx, f.path, f.name, fn)
			if err != nil {
				return err
			}
			groups += n
		}
		if groups == 0 {
			return invalid("param %q: the input holds no groups", ParamInput)
		}
		return nil
	}
}

// inputFile is one file of the input; name is how errors call it.
type inputFile struct{ path, name string }

// inputFiles lists the files of the input at path, naming a file as uri
// and a folder's files by their path in it.
func inputFiles(path, uri string) ([]inputFile, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return nil, err
	}
	if !fi.IsDir() {
		return []inputFile{{path: path, name: uri}}, nil
	}
	var files []inputFile
	err = filepath.WalkDir(path, func(p string, d os.DirEntry, err error) error {
		if err != nil || !d.Type().IsRegular() {
			return err
		}
		rel, _ := filepath.Rel(path, p)
		files = append(files, inputFile{path: p, name: rel})
		return nil
	})
	return files, err
}

// readGroups calls fn with each group of one file and returns how many it read.
func readGroups(ctx context.Context, path, name string, fn func([]*big.Int) error) (int, error) {
	where := func(line int) string {
		if name == "" {
			return fmt.Sprintf("line %d", line)
		}
		return fmt.Sprintf("%q line %d", name, line)
	}
	f, err := os.Open(path)
	if err != nil {
		return 0, fmt.Errorf("sum: reading param %q: %w", ParamInput, err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 64<<10), maxLine)
	line, groups := 0, 0
	for sc.Scan() {
		line++
		if err := ctx.Err(); err != nil {
			return groups, err
		}
		text, _, _ := strings.Cut(sc.Text(), "#")
		if strings.TrimSpace(text) == "" {
			continue
		}
		nums, err := task.ParseGroup(text)
		if err != nil {
			return groups, invalid("param %q: %s %s: %w", ParamInput, where(line), task.Quote(strings.TrimSpace(text)), err)
		}
		groups++
		if err := fn(nums); err != nil {
			return groups, err
		}
	}
	if err := sc.Err(); errors.Is(err, bufio.ErrTooLong) {
		return groups, invalid("param %q: %s: longer than the limit of %d MiB for one line (one group): %w",
			ParamInput, where(line+1), maxLine>>20, err)
	} else if err != nil {
		return groups, invalid("param %q: %s: %w", ParamInput, where(line+1), err)
	}
	return groups, nil
}

// invalid returns an error wrapping sdk.ErrInvalidParams.
func invalid(format string, args ...any) error {
	return fmt.Errorf("sum: %w: %w", sdk.ErrInvalidParams, fmt.Errorf(format, args...))
}
