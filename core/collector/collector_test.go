package collector

import (
	"bytes"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

func TestConcurrentPosts(t *testing.T) {
	fx := newFixture(t, t.TempDir(), Options{})
	const tasks = 100
	tokens := make([]string, tasks)
	for i := range tasks {
		tokens[i] = fx.register(t, fmt.Sprintf("task-%d", i))
	}
	// Every task posts twice at once (a retry racing the first attempt).
	var wg sync.WaitGroup
	statuses := make([]int, 2*tasks)
	for i := range 2 * tasks {
		wg.Go(func() {
			id := i % tasks
			resp, _ := fx.do(t, request{
				path:  fmt.Sprintf("/v1/results/task-%d", id),
				auth:  "Bearer " + tokens[id],
				ctype: jsonCT,
				body:  fmt.Sprintf(`{"output": %d, "display": "task %d"}`, id, id),
			})
			statuses[i] = resp.StatusCode
		})
	}
	wg.Wait()
	for i, s := range statuses {
		if s != 200 {
			t.Errorf("post %d: status %d, want 200", i, s)
		}
	}
	if n := fx.onResultCalls(); n != tasks {
		t.Errorf("OnResult called %d times, want %d", n, tasks)
	}
	// Each 200 came after the result reached the log: it is there before Close.
	data, err := os.ReadFile(filepath.Join(fx.dir, "results.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	if n := bytes.Count(data, []byte(`"type":"result"`)); n != tasks {
		t.Errorf("log holds %d results, want %d", n, tasks)
	}
	if n := len(fx.c.Results()); n != tasks {
		t.Errorf("Results has %d entries, want %d", n, tasks)
	}
	for i := range tasks {
		r, ok := fx.c.Result(fmt.Sprintf("task-%d", i))
		if !ok || string(r.Output) != fmt.Sprint(i) {
			t.Errorf("task-%d: Result = %+v, %v", i, r, ok)
		}
	}
}

func TestReopenKeepsResultsAndTokens(t *testing.T) {
	dir := t.TempDir()
	fx := newFixture(t, dir, Options{})
	tok := fx.register(t, "done")
	tokPending := fx.register(t, "pending")
	postOKFor("done", `{"output":[1,2,3],"display":"six"}`)(t, fx, tok)
	want, _ := fx.c.Result("done")
	fx.srv.Close()
	if err := fx.c.Close(); err != nil {
		t.Fatal(err)
	}
	if data, _ := os.ReadFile(filepath.Join(dir, "results.jsonl")); bytes.Contains(data, []byte(tok)) {
		t.Fatalf("results log holds a token:\n%s", data)
	}

	fx2 := newFixture(t, dir, Options{})
	got, ok := fx2.c.Result("done")
	if !ok || got.TaskID != want.TaskID || string(got.Output) != string(want.Output) ||
		got.Display != want.Display || !got.Received.Equal(want.Received) {
		t.Fatalf("after reopen Result = %+v, %v; want %+v", got, ok, want)
	}
	tests := []struct {
		name   string
		path   string
		tok    string
		body   string
		status int
	}{
		{"identical repost of a stored result", "/v1/results/done", tok, `{"output":[1,2,3],"display":"six"}`, 200},
		{"different repost of a stored result", "/v1/results/done", tok, `{"output":[1]}`, 409},
		{"wrong token still refused", "/v1/results/pending", tok, `{"output":1}`, 403},
		{"token issued before the restart", "/v1/results/pending", tokPending, `{"output":1}`, 200},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp, body := fx2.do(t, request{path: tt.path, auth: "Bearer " + tt.tok, ctype: jsonCT, body: tt.body})
			if resp.StatusCode != tt.status {
				t.Fatalf("status %d %q, want %d", resp.StatusCode, body, tt.status)
			}
		})
	}
	if n := fx2.onResultCalls(); n != 1 {
		t.Errorf("OnResult called %d times after reopen, want 1 (the new result only)", n)
	}
	if _, err := fx2.c.Register("done"); !errors.Is(err, ErrDuplicate) {
		t.Errorf("Register of a reloaded task = %v, want ErrDuplicate", err)
	}
}

func TestTornLastLine(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "results.jsonl")
	fx := newFixture(t, dir, Options{})
	postOK(`{"output":1}`)(t, fx, fx.register(t, "task-1"))
	tok2 := fx.register(t, "task-2")
	fx.srv.Close()
	fx.c.Close()

	tests := []struct {
		name string
		torn string
	}{
		{"half a record", `{"type":"result","task_id":"task-2","out`},
		{"complete record without newline", `{"type":"result","task_id":"task-2","output":5}`},
		{"garbage line", "\x00\x00\x00\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(path, append(before, tt.torn...), 0o600); err != nil {
				t.Fatal(err)
			}
			var logs bytes.Buffer
			c, err := Open(path, Options{Logger: slog.New(slog.NewTextHandler(&logs, nil))})
			if err != nil {
				t.Fatalf("Open with a torn last line: %v", err)
			}
			if !strings.Contains(logs.String(), "torn last line") {
				t.Errorf("no warning logged; log: %q", logs.String())
			}
			if _, ok := c.Result("task-1"); !ok {
				t.Error("result before the torn line lost")
			}
			if _, ok := c.Result("task-2"); ok {
				t.Error("torn result was loaded")
			}
			c.Close()
			after, _ := os.ReadFile(path)
			if !bytes.Equal(after, before) {
				t.Errorf("log not cut back to its last full line:\n%q\nwant\n%q", after, before)
			}
		})
	}

	// Appends after a torn line start on a line of their own.
	fx2 := newFixture(t, dir, Options{})
	postOKFor("task-2", `{"output":2}`)(t, fx2, tok2)
	fx2.srv.Close()
	fx2.c.Close()
	c, err := Open(path, Options{})
	if err != nil {
		t.Fatalf("reopen after appending: %v", err)
	}
	defer c.Close()
	if n := len(c.Results()); n != 2 {
		t.Fatalf("Results = %d, want 2", n)
	}
}

func TestCorruptMiddleLine(t *testing.T) {
	path := filepath.Join(t.TempDir(), "results.jsonl")
	data := `{"type":"register","task_id":"a","token_sha256":"` + strings.Repeat("0", 64) + "\"}\n" +
		"not json\n" +
		`{"type":"result","task_id":"a","output":1}` + "\n"
	if err := os.WriteFile(path, []byte(data), 0o600); err != nil {
		t.Fatal(err)
	}
	_, err := Open(path, Options{})
	if err == nil || !strings.Contains(err.Error(), "line 2") {
		t.Fatalf("Open = %v, want an error naming line 2", err)
	}
}

func TestRegister(t *testing.T) {
	c, err := Open(filepath.Join(t.TempDir(), "r.jsonl"), Options{})
	if err != nil {
		t.Fatal(err)
	}
	a, err := c.Register("a")
	if err != nil {
		t.Fatal(err)
	}
	b, err := c.Register("b")
	if err != nil {
		t.Fatal(err)
	}
	if len(a) != 64 || a == b {
		t.Errorf("tokens %q, %q: want distinct 64-hex-digit tokens", a, b)
	}
	if _, err := c.Register("a"); !errors.Is(err, ErrDuplicate) {
		t.Errorf("second Register = %v, want ErrDuplicate", err)
	}
	if _, err := c.Register(""); err == nil {
		t.Error("Register of an empty id succeeded")
	}
	c.Close()
	if _, err := c.Register("c"); !errors.Is(err, ErrClosed) {
		t.Errorf("Register after Close = %v, want ErrClosed", err)
	}
}

func TestForget(t *testing.T) {
	fx := newFixture(t, t.TempDir(), Options{})
	tok := fx.register(t, "task-1")
	postOK(`{"output":1}`)(t, fx, tok)
	fx.c.Forget("task-1")
	if _, ok := fx.c.Result("task-1"); ok {
		t.Error("Result of a forgotten task is still there")
	}
	resp, body := fx.do(t, request{auth: "Bearer " + tok, ctype: jsonCT, body: `{"output":1}`})
	if resp.StatusCode != 404 || !strings.Contains(body, "unknown or finished task") {
		t.Errorf("post for a forgotten task: %d %q, want 404", resp.StatusCode, body)
	}
	data, err := os.ReadFile(filepath.Join(fx.dir, "results.jsonl"))
	if err != nil || !bytes.Contains(data, []byte(`"type":"result","task_id":"task-1"`)) {
		t.Errorf("the log lost the forgotten task's result (err %v):\n%s", err, data)
	}
}
