package wordcount_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"testing"

	"github.com/batchd/batchd/plugins/sdk"
	"github.com/batchd/batchd/plugins/workload/workloadtest"

	wordcount "example.com/batchd-wordcount"
	"example.com/batchd-wordcount/count"
)

// TestPlanAndReduce drives the workload through batchd's real gRPC client,
// standing in for the tasks: each planned task's lines are counted here.
func TestPlanAndReduce(t *testing.T) {
	dir := t.TempDir()
	input := filepath.Join(dir, "in")
	writeFile(t, filepath.Join(input, "a.txt"), "the cat\nthe dog\nthe end\n")
	writeFile(t, filepath.Join(input, "b", "c.txt"), "a cat") // no final newline
	prog := filepath.Join(dir, wordcount.TaskProgramName)
	writeFile(t, prog, "")

	w := workloadtest.Conn(t, &wordcount.Workload{TaskProgram: prog})
	ctx := context.Background()
	job := sdk.Job{
		Name:   "wc",
		Params: map[string]any{"input": "data:,", "lines": float64(2), "top": float64(2)},
		Files:  map[string]string{"input": input},
	}
	var specs []sdk.TaskSpec
	if err := w.Plan(ctx, job, func(s sdk.TaskSpec) error { specs = append(specs, s); return nil }); err != nil {
		t.Fatal(err)
	}
	var labels []string
	for _, s := range specs {
		labels = append(labels, s.Label)
	}
	if want := []string{"a.txt:1-2", "a.txt:3-3", "b/c.txt:1-1"}; !slices.Equal(labels, want) {
		t.Fatalf("labels = %q, want %q", labels, want)
	}
	files := []string{"a.txt", "a.txt", filepath.Join("b", "c.txt")}
	var results []sdk.Result
	for i, s := range specs {
		if s.Artifacts[1].OutputFile != s.Command[1] {
			t.Errorf("task %s counts %s, but its file arrives as %s", s.ID, s.Command[1], s.Artifacts[1].OutputFile)
		}
		f, err := os.Open(filepath.Join(input, files[i]))
		if err != nil {
			t.Fatal(err)
		}
		first, err1 := strconv.Atoi(s.Command[2])
		n, err2 := strconv.Atoi(s.Command[3])
		if err := errors.Join(err1, err2); err != nil {
			t.Fatalf("task %s: command %q: %v", s.ID, s.Command, err)
		}
		out, err := count.Lines(f, first, n)
		f.Close()
		if err != nil {
			t.Fatal(err)
		}
		raw, _ := json.Marshal(out)
		results = append(results, sdk.Result{TaskID: s.ID, Output: raw, Data: s.Data})
	}
	sum, err := w.Reduce(ctx, job, func() (sdk.Result, error) {
		if len(results) == 0 {
			return sdk.Result{}, io.EOF
		}
		r := results[0]
		results = results[1:]
		return r, nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if want := "top 2 of 8 words: the 3, cat 2"; sum.Text != want {
		t.Errorf("summary %q, want %q", sum.Text, want)
	}
}

func writeFile(t *testing.T, path, content string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(content), 0o755); err != nil {
		t.Fatal(err)
	}
}

func TestBadParams(t *testing.T) {
	w := workloadtest.Conn(t, wordcount.New())
	tests := []struct {
		name   string
		params map[string]any
	}{
		{"unknown", map[string]any{"input": "x", "colour": "red"}},
		{"fractional lines", map[string]any{"input": "x", "lines": 1.5}},
		{"top zero", map[string]any{"input": "x", "top": float64(0)}},
		{"no staged input", map[string]any{"input": "x"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := w.Plan(context.Background(), sdk.Job{Name: "wc", Params: tt.params}, func(sdk.TaskSpec) error { return nil })
			if !errors.Is(err, sdk.ErrInvalidParams) {
				t.Errorf("Plan = %v, want ErrInvalidParams", err)
			}
		})
	}
}
