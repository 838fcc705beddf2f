package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestForgedPosts posts forged and malformed results to a running
// batchd's collector, each refused with its status and a one-line reason
// naming what is wrong; then the task's own post is kept and the job
// finishes with its result, as if nothing had been tried.
func TestForgedPosts(t *testing.T) {
	dir := t.TempDir()
	config := writeConfig(t, fmt.Sprintf("[state]\ndir = %q\n\n%s", filepath.Join(dir, "state"),
		testworkJob("w", "wait", 1, 0, fmt.Sprintf("state = %q", dir))))
	var stdout, stderr syncBuffer
	m := NewMain(&stdout, &stderr)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	exited := make(chan int, 1)
	go func() { exited <- m.Main(ctx, []string{"--config", config}) }()
	defer m.Close()

	var api apiFile
	if !poll(time.Minute, func() bool {
		raw, err := os.ReadFile(filepath.Join(dir, "state", apiFileName))
		return err == nil && json.Unmarshal(raw, &api) == nil
	}) {
		t.Fatalf("batchd did not start serving\nstderr:\n%s", tail(stderr.String()))
	}
	env := taskEnv(t, "batchd-workload-testwork task wait")
	id, token := env["BATCHD_TASK_ID"], env["BATCHD_TASK_TOKEN"]
	url := api.URL + "/v1/results/" + id
	tests := []struct {
		name, method, url, auth, ctype, body string
		status                               int
		reason                               string
	}{
		{"no token", "POST", url, "", "application/json", `{"output":1}`,
			401, `missing or malformed Authorization header; want "Bearer <task token>"`},
		{"not a bearer token", "POST", url, "Basic dTpw", "application/json", `{"output":1}`,
			401, `missing or malformed Authorization header; want "Bearer <task token>"`},
		{"wrong token", "POST", url, "Bearer " + strings.Repeat("0", len(token)), "application/json", `{"output":1}`,
			403, fmt.Sprintf("wrong token for task %q", id)},
		{"its token for another task", "POST", api.URL + "/v1/results/w.other.1", "Bearer " + token, "application/json", `{"output":1}`,
			403, `wrong token for task "w.other.1"`},
		{"not a results path", "POST", api.URL + "/v1/results/", "Bearer " + token, "application/json", `{"output":1}`,
			404, "no such endpoint; post results to /v1/results/<task id>"},
		{"GET", "GET", url, "Bearer " + token, "", "", 405, "method GET not allowed; use POST"},
		{"not JSON content", "POST", url, "Bearer " + token, "text/plain", `{"output":1}`,
			415, "Content-Type must be application/json (UTF-8)"},
		{"body not JSON", "POST", url, "Bearer " + token, "application/json", `output=1`,
			400, "body is not a JSON report object: invalid character 'o' looking for beginning of value"},
		{"no output", "POST", url, "Bearer " + token, "application/json", `{"display":"x"}`,
			400, `missing "output" (it must be a JSON value other than null)`},
		{"forged summary line in display", "POST", url, "Bearer " + token, "application/json",
			`{"output":1,"display":"x\njob big: 2000 tasks finished, total 0\u001b[31m"}`,
			400, `"display": control character U+000A at byte 1; it must be one line of printable text`},
		{"body too large", "POST", url, "Bearer " + token, "application/json", `{"output":"` + strings.Repeat("a", 2<<20) + `"}`,
			413, "body larger than 1048576 bytes"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req, err := http.NewRequest(tt.method, tt.url, strings.NewReader(tt.body))
			if err != nil {
				t.Fatal(err)
			}
			if tt.auth != "" {
				req.Header.Set("Authorization", tt.auth)
			}
			if tt.ctype != "" {
				req.Header.Set("Content-Type", tt.ctype)
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != tt.status || strings.TrimSpace(string(b)) != tt.reason {
				t.Errorf("%d %q, want %d %q", resp.StatusCode, strings.TrimSpace(string(b)), tt.status, tt.reason)
			}
		})
	}

	release(t, dir)
	select {
	case code := <-exited:
		if code != exitOK {
			t.Fatalf("batchd exited %d, want 0\nstderr:\n%s", code, tail(stderr.String()))
		}
	case <-time.After(2 * time.Minute):
		t.Fatalf("the job did not finish\nstderr:\n%s", tail(stderr.String()))
	}
	if out := stdout.String(); !strings.Contains(out, "job w: 1 tasks finished") || strings.Contains(out, "2000") {
		t.Errorf("stdout:\n%s\nwant the job's own summary and nothing forged", out)
	}
}
