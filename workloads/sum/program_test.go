package sum

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/batchd/batchd/plugins/workload"
)

func TestTaskProgram(t *testing.T) {
	dir, err := filepath.EvalSymlinks(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(dir, "sum-v2")
	if err := os.WriteFile(file, []byte("#!/bin/sh\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	link := filepath.Join(dir, TaskProgramName)
	if err := os.Symlink(file, link); err != nil {
		t.Fatal(err)
	}
	exe, err := os.Executable()
	if err == nil {
		exe, err = filepath.EvalSymlinks(exe)
	}
	if err != nil {
		t.Fatal(err)
	}
	nextToExe := filepath.Join(filepath.Dir(exe), TaskProgramName)
	tests := []struct {
		name     string
		program  string
		wantURI  string
		wantBase string
		wantErr  []string // all in the error, if it is one
	}{
		{name: "a file", program: file, wantURI: "file://" + file, wantBase: "sum-v2"},
		{name: "a symlink, resolved", program: link, wantURI: "file://" + file, wantBase: "sum-v2"},
		{name: "missing", program: filepath.Join(dir, "nope"),
			wantErr: []string{"task program " + filepath.Join(dir, "nope"), "file does not exist", "go build -o " + filepath.Join(dir, "nope") + " ./cmd/batchd-task-sum"}},
		{name: "a folder", program: dir, wantErr: []string{"task program " + dir, "not a file"}},
		{name: "default: next to the plugin's executable", // the test binary, with no task program beside it
			wantErr: []string{"task program " + nextToExe, "./cmd/batchd-task-sum"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := &Workload{TaskProgram: tt.program}
			p, err := w.program()
			if tt.wantErr != nil {
				if err == nil {
					t.Fatalf("program = %+v, want an error", p)
				}
				for _, want := range tt.wantErr {
					if !strings.Contains(err.Error(), want) {
						t.Errorf("error %q does not contain %q", err, want)
					}
				}
				return
			}
			if err != nil {
				t.Fatalf("program: %v", err)
			}
			if p.uri != tt.wantURI || p.base != tt.wantBase {
				t.Errorf("program = %+v, want uri %s, base %s", p, tt.wantURI, tt.wantBase)
			}
		})
	}
}

func TestPlanWithoutTaskProgram(t *testing.T) {
	missing := filepath.Join(t.TempDir(), TaskProgramName)
	w := &Workload{TaskProgram: missing}
	job := workload.Job{Name: "sums", Params: map[string]any{"groups": []any{"1 2"}}}
	err := w.Plan(context.Background(), job, func(workload.TaskSpec) error {
		t.Error("Plan emitted a task without a task program")
		return nil
	})
	if err == nil || !strings.Contains(err.Error(), "planning sums") || !strings.Contains(err.Error(), missing) {
		t.Fatalf("Plan error = %v, want one naming the job and %s", err, missing)
	}
	// Bad params are reported as such, before the missing program.
	job.Params["groups"] = []any{"1 x"}
	if err := w.Plan(context.Background(), job, func(workload.TaskSpec) error { return nil }); !errors.Is(err, workload.ErrInvalidParams) {
		t.Fatalf("Plan error = %v, want ErrInvalidParams", err)
	}
}
