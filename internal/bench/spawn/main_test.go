package main

import (
	"fmt"
	"net/http"
	"os"
	"strings"
	"testing"
)

// The test binary doubles as the task program: with SPAWN_TEST_TASK set it
// acts as one task, posting a result (or failing, with "fail") and exiting.
func TestMain(m *testing.M) {
	if mode := os.Getenv("SPAWN_TEST_TASK"); mode != "" {
		os.Exit(fakeTask(mode, os.Args[len(os.Args)-2:]))
	}
	os.Exit(m.Run())
}

// fakeTask posts the sum of its two numbers as a batchd task reports a result.
func fakeTask(mode string, nums []string) int {
	if mode == "fail" {
		fmt.Fprintln(os.Stderr, "failing as asked")
		return 1
	}
	body := fmt.Sprintf(`{"display":"sum of %s"}`, strings.Join(nums, " "))
	if mode == "badbody" {
		body = "not json"
	}
	req, err := http.NewRequest(http.MethodPost, os.Getenv("BATCHD_COLLECTOR_URL"), strings.NewReader(body))
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	req.Header.Set("Authorization", "Bearer "+os.Getenv("BATCHD_TASK_TOKEN"))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	resp.Body.Close()
	return 0
}

func TestRun(t *testing.T) {
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, mode string
		argv       []string
		n, par     int
		wantErr    string
	}{
		{name: "every task posts", mode: "ok", argv: []string{exe}, n: 6, par: 3},
		{name: "leading arguments", mode: "ok", argv: []string{exe, "task"}, n: 3, par: 3},
		{name: "a task fails", mode: "fail", argv: []string{exe}, n: 2, par: 2, wantErr: "2 of 2 tasks failed"},
		{name: "results missing", mode: "badbody", argv: []string{exe}, n: 2, par: 1, wantErr: "0 results arrived for 2 tasks"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Setenv("SPAWN_TEST_TASK", tc.mode)
			err := run(tc.argv, tc.n, tc.par)
			if tc.wantErr == "" && err != nil {
				t.Fatalf("run: %v", err)
			}
			if tc.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tc.wantErr)) {
				t.Fatalf("run error = %v, want one containing %q", err, tc.wantErr)
			}
		})
	}
}
