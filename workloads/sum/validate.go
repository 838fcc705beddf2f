package sum

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/batchd/batchd/plugins/sdk"
	"github.com/batchd/batchd/workloads/sum/task"
)

var _ sdk.Validator = (*Workload)(nil)

// Validate checks the job's params as Plan would, without planning: every
// problem is reported at once, each at the param or list element at fault
// ("params.groups[0]"). The input file is not read (nothing is staged
// yet): batchd checks that it exists, and Plan checks its lines.
func (w *Workload) Validate(ctx context.Context, job sdk.Job) ([]sdk.Problem, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	var out []sdk.Problem
	add := func(field, format string, args ...any) {
		out = append(out, sdk.Problem{Field: field, Message: fmt.Sprintf(format, args...)})
	}
	for _, name := range slices.Sorted(maps.Keys(job.Params)) {
		if name != ParamGroups && name != ParamInput {
			add(sdk.ParamField(name), "unknown param of workload sum (want %q or %q)", ParamGroups, ParamInput)
		}
	}
	groups, hasGroups := job.Params[ParamGroups]
	input, hasInput := job.Params[ParamInput]
	switch {
	case hasGroups && hasInput:
		add("params", "give %q or %q, not both", ParamGroups, ParamInput)
	case !hasGroups && !hasInput:
		add("params", "give %q (a list of groups) or %q (a file of groups)", ParamGroups, ParamInput)
	}
	if hasGroups {
		out = append(out, groupProblems(groups)...)
	}
	if s, ok := input.(string); hasInput && (!ok || s == "") {
		add(sdk.ParamField(ParamInput), "a %s, want the URI or path of a file of groups", describe(input))
	}
	return out, nil
}

// groupProblems checks the groups param: a non-empty list of strings of
// integers.
func groupProblems(v any) []sdk.Problem {
	field := sdk.ParamField(ParamGroups)
	var list []any
	switch l := v.(type) {
	case []any:
		list = l
	case []string:
		for _, s := range l {
			list = append(list, s)
		}
	default:
		return []sdk.Problem{{Field: field, Message: fmt.Sprintf(`a %s, want a list of groups such as ["1 2 3", "4 5 6"]`, describe(v))}}
	}
	if len(list) == 0 {
		return []sdk.Problem{{Field: field, Message: `an empty list: give at least one group such as "1 2 3"`}}
	}
	var out []sdk.Problem
	for i, e := range list {
		s, ok := e.(string)
		if !ok {
			out = append(out, sdk.Problem{Field: sdk.ParamField(ParamGroups, i),
				Message: fmt.Sprintf(`a %s, want a string of integers such as "1 2 3"`, describe(e))})
			continue
		}
		if _, err := task.ParseGroup(s); err != nil {
			msg := err.Error()
			if !strings.Contains(msg, task.Quote(s)) { // say the group once
				msg = task.Quote(s) + ": " + msg
			}
			out = append(out, sdk.Problem{Field: sdk.ParamField(ParamGroups, i), Message: msg})
		}
	}
	return out
}

// describe names the TOML type of a param value decoded from JSON, with the
// value when it is short, for messages: `string "1 2"`, `number 3`.
func describe(v any) string {
	switch x := v.(type) {
	case string:
		return "string " + task.Quote(x)
	case float64:
		return fmt.Sprintf("number %v", x)
	case bool:
		return fmt.Sprintf("boolean %v", x)
	case map[string]any:
		return "table"
	case []any, []string:
		return "list"
	case nil:
		return "null"
	}
	return fmt.Sprintf("%T", v)
}
