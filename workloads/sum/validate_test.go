package sum

import (
	"context"
	"reflect"
	"testing"

	"github.com/batchd/batchd/plugins/workload"
	"github.com/batchd/batchd/plugins/workload/workloadtest"
)

// TestValidate checks params through the real gRPC shims, so they arrive
// decoded from JSON as they do from batchd.
func TestValidate(t *testing.T) {
	w := workloadtest.Conn(t, New()).(workload.Validator)
	tests := []struct {
		name   string
		params map[string]any
		want   []workload.Problem
	}{
		{name: "groups", params: map[string]any{"groups": []string{"1 2", "-3 99999999999999999999999"}}},
		{name: "input", params: map[string]any{"input": "numbers.txt"}},
		{name: "empty groups", params: map[string]any{"groups": []string{}},
			want: []workload.Problem{{Field: "params.groups", Message: `an empty list: give at least one group such as "1 2 3"`}}},
		{name: "not a number", params: map[string]any{"groups": []string{"abc"}},
			want: []workload.Problem{{Field: "params.groups[0]", Message: `"abc" is not an integer`}}},
		{name: "groups a string", params: map[string]any{"groups": "1 2"},
			want: []workload.Problem{{Field: "params.groups", Message: `a string "1 2", want a list of groups such as ["1 2 3", "4 5 6"]`}}},
		{name: "every bad group", params: map[string]any{"groups": []any{"1", 2, "", "x y"}},
			want: []workload.Problem{
				{Field: "params.groups[1]", Message: `a number 2, want a string of integers such as "1 2 3"`},
				{Field: "params.groups[2]", Message: `"": no numbers`},
				{Field: "params.groups[3]", Message: `"x y": "x" is not an integer`},
			}},
		{name: "input a number", params: map[string]any{"input": 3},
			want: []workload.Problem{{Field: "params.input", Message: "a number 3, want the URI or path of a file of groups"}}},
		{name: "neither", params: map[string]any{},
			want: []workload.Problem{{Field: "params", Message: `give "groups" (a list of groups) or "input" (a file of groups)`}}},
		{name: "both and unknown", params: map[string]any{"groups": []string{"1"}, "input": "f", "group": "1"},
			want: []workload.Problem{
				{Field: "params.group", Message: `unknown param of workload sum (want "groups" or "input")`},
				{Field: "params", Message: `give "groups" or "input", not both`},
			}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := w.Validate(context.Background(), workload.Job{Name: "j", Params: tc.params})
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("Validate =\n%q\nwant\n%q", got, tc.want)
			}
		})
	}
}
