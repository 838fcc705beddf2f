// Package wordcount is an example batchd workload written outside batchd's
// module against the plugin SDK: it counts the words of text staged from
// any fetcher and reports the most frequent ones.
//
// Plan reads the staged input (a text file, or the folder an archive of
// text files was extracted to) and emits one task per file, or per chunk
// of `lines` lines. Each task runs the small task program
// batchd-task-wordcount, staged as an executable artifact with the file it
// counts; the program posts {"lines":N,"words":{"the":3,...}} to batchd's
// collector. Reduce merges the counts and reports the `top` most frequent
// words.
package wordcount

import (
	"context"
	"fmt"

	"github.com/batchd/batchd/plugins/sdk"
)

// Version is the workload's version, reported by Describe.
const Version = "0.1.0"

// Parameter names.
const (
	ParamInput = "input"
	ParamLines = "lines"
	ParamTop   = "top"
)

// DefaultTop is how many words Reduce reports without a `top` param.
const DefaultTop = 10

// Workload is the word count workload. It holds no state between calls and
// is safe for concurrent use.
type Workload struct {
	// TaskProgram is the path of the task program Plan stages; empty means
	// TaskProgramName next to this process's executable.
	TaskProgram string
}

var _ sdk.Workload = (*Workload)(nil)

// New returns the word count workload.
func New() *Workload { return &Workload{} }

// Describe returns the workload's name, version and parameter schema.
func (w *Workload) Describe(ctx context.Context) (sdk.WorkloadInfo, error) {
	if err := ctx.Err(); err != nil {
		return sdk.WorkloadInfo{}, err
	}
	return sdk.WorkloadInfo{
		Name:        "wordcount",
		Version:     Version,
		Description: "counts the words of a text file or an archive of text files and reports the most frequent",
		Params: []sdk.Param{
			{Name: ParamInput, Type: sdk.ParamURI, Required: true, Description: "a text file, or an archive of text files, from any scheme a fetcher handles"},
			{Name: ParamLines, Type: sdk.ParamInt, Description: "lines per task; 0 (the default) means one task per file"},
			{Name: ParamTop, Type: sdk.ParamInt, Description: fmt.Sprintf("how many of the most frequent words to report (default %d)", DefaultTop)},
		},
	}, nil
}

// invalid returns an error wrapping sdk.ErrInvalidParams.
func invalid(format string, args ...any) error {
	return fmt.Errorf("wordcount: %w: %w", sdk.ErrInvalidParams, fmt.Errorf(format, args...))
}

// intParam returns the whole-number param name of job.Params, or def when
// it is absent. Params arrive decoded from JSON, so numbers are float64.
func intParam(params map[string]any, name string, def, least int) (int, error) {
	v, ok := params[name]
	if !ok {
		return def, nil
	}
	var n int
	switch x := v.(type) {
	case float64:
		n = int(x)
		if float64(n) != x {
			return 0, invalid("param %q: %v is not a whole number", name, x)
		}
	case int:
		n = x
	case int64:
		n = int(x)
	default:
		return 0, invalid("param %q: a %T, want a whole number", name, v)
	}
	if n < least {
		return 0, invalid("param %q: %d, want at least %d", name, n, least)
	}
	return n, nil
}
