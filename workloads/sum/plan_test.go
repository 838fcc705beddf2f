package sum

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/batchd/batchd/plugins/workload"
)

// newWorkload returns a sum workload staging a stand-in task program, and
// the program's file URI and file name.
func newWorkload(t *testing.T) (w *Workload, uri, base string) {
	t.Helper()
	prog := filepath.Join(t.TempDir(), TaskProgramName)
	if err := os.WriteFile(prog, []byte("#!/bin/sh\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	prog, err := filepath.EvalSymlinks(prog) // as Plan resolves it
	if err != nil {
		t.Fatal(err)
	}
	return &Workload{TaskProgram: prog}, "file://" + prog, TaskProgramName
}

func plan(t *testing.T, job workload.Job) ([]workload.TaskSpec, error) {
	t.Helper()
	w, _, _ := newWorkload(t)
	var specs []workload.TaskSpec
	err := w.Plan(context.Background(), job, func(s workload.TaskSpec) error {
		specs = append(specs, s)
		return nil
	})
	return specs, err
}

func writeInput(t *testing.T, text string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "groups.txt")
	if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestPlan(t *testing.T) {
	const huge = "123456789012345678901234567890123456789"
	input := writeInput(t, "# groups to add\n1 2 3\n\n   4 5 6   # the second\n\t\n# done\n"+huge+" -"+huge+"\n")
	// A folder, as an extracted archive: files in lexical path order.
	folder := t.TempDir()
	for name, text := range map[string]string{"b.txt": "4 5\n", "a.txt": "1\n# none\n2 3\n", "sub/c.txt": "6\n"} {
		p := filepath.Join(folder, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	tests := []struct {
		name string
		job  workload.Job
		want [][]string // each task's numbers
	}{
		{"inline groups", workload.Job{Params: map[string]any{"groups": []any{"1 2 3", "4 5 6"}}}, [][]string{{"1", "2", "3"}, {"4", "5", "6"}}},
		{"inline []string", workload.Job{Params: map[string]any{"groups": []string{"10"}}}, [][]string{{"10"}}},
		{"signs and zeros normalised", workload.Job{Params: map[string]any{"groups": []any{" +7\t-0  007 -12 "}}}, [][]string{{"7", "0", "7", "-12"}}},
		{"beyond int64", workload.Job{Params: map[string]any{"groups": []any{"9223372036854775807 9223372036854775807 " + huge}}},
			[][]string{{"9223372036854775807", "9223372036854775807", huge}}},
		{"input file", workload.Job{Params: map[string]any{"input": "http://example.com/groups.txt"}, Files: map[string]string{"input": input}},
			[][]string{{"1", "2", "3"}, {"4", "5", "6"}, {huge, "-" + huge}}},
		{"input folder", workload.Job{Params: map[string]any{"input": "x.tar.gz"}, Files: map[string]string{"input": folder}},
			[][]string{{"1"}, {"2", "3"}, {"4", "5"}, {"6"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w, uri, base := newWorkload(t)
			var specs []workload.TaskSpec
			err := w.Plan(context.Background(), tt.job, func(s workload.TaskSpec) error {
				specs = append(specs, s)
				return nil
			})
			if err != nil {
				t.Fatalf("Plan: %v", err)
			}
			if len(specs) != len(tt.want) {
				t.Fatalf("Plan emitted %d tasks, want %d", len(specs), len(tt.want))
			}
			for i, s := range specs {
				if s.ID != strconv.Itoa(i) {
					t.Errorf("task %d: ID = %q", i, s.ID)
				}
				wantCmd := slices.Concat([]string{"./" + base}, tt.want[i])
				if !slices.Equal(s.Command, wantCmd) {
					t.Errorf("task %d: Command = %q, want %q", i, s.Command, wantCmd)
				}
				wantArt := []workload.Artifact{{URI: uri, Executable: true, Cache: true}}
				if !slices.Equal(s.Artifacts, wantArt) {
					t.Errorf("task %d: Artifacts = %+v, want %+v", i, s.Artifacts, wantArt)
				}
				if want := `"` + strings.Join(tt.want[i], " ") + `"`; string(s.Data) != want {
					t.Errorf("task %d: Data = %s, want %s", i, s.Data, want)
				}
				if want := strings.Join(tt.want[i], " "); s.Label != want {
					t.Errorf("task %d: Label = %q, want %q", i, s.Label, want)
				}
			}
		})
	}
}

// TestPlanLabels checks each task's label: its group, normalised, cut to
// 200 bytes with "…" after the last whole number that fits.
func TestPlanLabels(t *testing.T) {
	tests := []struct {
		name  string
		group string
		want  string
	}{
		{"short", "1 2 3", "1 2 3"},
		{"normalised", " +1\t-0  007 ", "1 0 7"},
		{"200 bytes kept", strings.Repeat("1 ", 99) + "10", strings.Repeat("1 ", 99) + "10"},
		{"201 bytes cut after a whole number", strings.Repeat("1 ", 100) + "1", strings.Repeat("1 ", 98) + "…"},
		{"one number too long", strings.Repeat("9", 300), strings.Repeat("9", 197) + "…"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			specs, err := plan(t, workload.Job{Params: map[string]any{"groups": []any{tt.group}}})
			if err != nil {
				t.Fatalf("Plan: %v", err)
			}
			if len(specs) != 1 {
				t.Fatalf("Plan emitted %d tasks, want 1", len(specs))
			}
			if got := specs[0].Label; got != tt.want || len(got) > maxLabel {
				t.Errorf("Label = %q (%d bytes), want %q (at most %d bytes)", got, len(got), tt.want, maxLabel)
			}
		})
	}
}

func TestPlanInvalidParams(t *testing.T) {
	badLine := writeInput(t, "1 2 3\n# comment\n4 x 6\n")
	onlyComments := writeInput(t, "# nothing\n\n   \n")
	longLine := writeInput(t, "1 2\n"+strings.Repeat("1 ", maxLine/2+1)+"\n3\n")
	tests := []struct {
		name    string
		job     workload.Job
		wantErr string
	}{
		{"bad group", workload.Job{Params: map[string]any{"groups": []any{"1 2 3", "4 x 6"}}}, `group 2 "4 x 6": "x" is not an integer`},
		{"float", workload.Job{Params: map[string]any{"groups": []any{"1.5"}}}, `group 1 "1.5": "1.5" is not an integer`},
		{"hex", workload.Job{Params: map[string]any{"groups": []any{"1", "2", "0x10"}}}, `group 3 "0x10": "0x10" is not an integer`},
		{"empty group", workload.Job{Params: map[string]any{"groups": []any{"1", "  "}}}, `group 2 "  ": no numbers`},
		{"bad input line", workload.Job{Params: map[string]any{"input": "x"}, Files: map[string]string{"input": badLine}}, `input": "x" line 3 "4 x 6": "x" is not an integer`},
		{"input line over the limit", workload.Job{Params: map[string]any{"input": "http://u:secret@h/in.txt"}, Files: map[string]string{"input": longLine}},
			`param "input": "http://u:xxxxx@h/in.txt" line 2: longer than the limit of 64 MiB for one line (one group): bufio.Scanner: token too long`},
		{"input without groups", workload.Job{Params: map[string]any{"input": "x"}, Files: map[string]string{"input": onlyComments}}, "holds no groups"},
		{"input not staged", workload.Job{Params: map[string]any{"input": "x"}}, `"input": no staged copy`},
		{"both", workload.Job{Params: map[string]any{"groups": []any{"1"}, "input": "x"}, Files: map[string]string{"input": badLine}}, `"groups" and "input": give exactly one`},
		{"neither", workload.Job{Params: map[string]any{}}, `give "groups"`},
		{"nil params", workload.Job{}, `give "groups"`},
		{"unknown param", workload.Job{Params: map[string]any{"groups": []any{"1"}, "grups": 1}}, `param "grups": unknown`},
		{"groups not a list", workload.Job{Params: map[string]any{"groups": "1 2 3"}}, `param "groups": a string, want a list`},
		{"group not a string", workload.Job{Params: map[string]any{"groups": []any{"1", 2.0}}}, `group 2 is a float64`},
		{"empty list", workload.Job{Params: map[string]any{"groups": []any{}}}, "empty list"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			specs, err := plan(t, tt.job)
			if !errors.Is(err, workload.ErrInvalidParams) {
				t.Fatalf("Plan error = %v, want ErrInvalidParams", err)
			}
			if !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("Plan error = %q, want it to contain %q", err, tt.wantErr)
			}
			if len(specs) != 0 {
				t.Errorf("Plan emitted %d tasks before failing", len(specs))
			}
		})
	}
}

func TestPlanStops(t *testing.T) {
	job := workload.Job{Params: map[string]any{"groups": []any{"1", "2", "3"}}}
	w, _, _ := newWorkload(t)
	t.Run("emit error", func(t *testing.T) {
		stop := errors.New("queue full")
		calls := 0
		err := w.Plan(context.Background(), job, func(workload.TaskSpec) error {
			calls++
			return stop
		})
		if !errors.Is(err, stop) || calls != 1 {
			t.Fatalf("Plan = %v after %d emits, want the emit error after 1", err, calls)
		}
	})
	t.Run("cancelled", func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		calls := 0
		err := w.Plan(ctx, job, func(workload.TaskSpec) error {
			calls++
			cancel()
			return nil
		})
		if !errors.Is(err, context.Canceled) || calls != 1 {
			t.Fatalf("Plan = %v after %d emits, want context.Canceled after 1", err, calls)
		}
	})
}

func TestDescribe(t *testing.T) {
	info, err := New().Describe(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if info.Name != "sum" || info.Version == "" || len(info.Params) != 2 ||
		info.Params[0].Name != "groups" || info.Params[0].Type != workload.ParamList ||
		info.Params[1].Name != "input" || info.Params[1].Type != workload.ParamURI {
		t.Errorf("Describe = %+v", info)
	}
}
