package localcluster

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	mesos "github.com/mesos/mesos-go/api/v1/lib"
	"github.com/mesos/mesos-go/api/v1/lib/scheduler/calls"
)

// TestFilesRead drives an agent's /files/read over a sandbox laid out as
// the agent lays it out, under each name Mesos attaches it by.
func TestFilesRead(t *testing.T) {
	dir := t.TempDir()
	a := &agent{dir: dir, absDir: dir}
	run := filepath.Join(dir, "frameworks", "fw", "executors", "task.1", "runs", "c1")
	if err := os.MkdirAll(filepath.Join(run, "sub"), 0o755); err != nil {
		t.Fatal(err)
	}
	big := strings.Repeat("0123456789abcdef", maxReadLength/16+100)
	for name, body := range map[string]string{"stderr": "line 1\nline \"2\"\tend\x01\n", "big": big} {
		if err := os.WriteFile(filepath.Join(run, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	secret := filepath.Join(dir, "secret")
	os.WriteFile(secret, []byte("outside"), 0o644)
	os.Symlink(secret, filepath.Join(run, "escape"))
	os.Symlink("stderr", filepath.Join(run, "inside"))
	srv := httptest.NewServer(a.serveFiles())
	defer srv.Close()

	virtual := "/frameworks/fw/executors/task.1/runs/latest"
	tests := []struct {
		name, query string
		code        int
		data        string
		offset      int64
	}{
		{"virtual latest", "path=" + virtual + "/stderr&offset=0", 200, "line 1\nline \"2\"\tend\x01\n", 0},
		{"real path", "path=" + run + "/stderr&offset=7&length=4", 200, "line", 7},
		{"real latest", "path=" + filepath.Dir(run) + "/latest/stderr&offset=0&length=6", 200, "line 1", 0},
		{"size with offset -1", "path=" + virtual + "/stderr&offset=-1", 200, "", 21},
		{"size without offset", "path=" + virtual + "/stderr", 200, "", 21},
		{"offset past the end", "path=" + virtual + "/stderr&offset=100", 200, "", 100},
		{"length -1 reads to the end", "path=" + virtual + "/stderr&offset=19&length=-1", 200, "\x01\n", 19},
		{"length capped", "path=" + virtual + "/big&offset=0&length=999999", 200, big[:maxReadLength], 0},
		{"symlink inside", "path=" + virtual + "/inside&offset=0&length=4", 200, "line", 0},
		{"dot-dot escape", "path=" + virtual + "/../../../../../../secret&offset=0", 400, "", 0},
		{"symlink escape", "path=" + virtual + "/escape&offset=0", 400, "", 0},
		{"dot-dot framework", "path=/frameworks/../secret&offset=0", 404, "", 0},
		{"dot-dot run", "path=/frameworks/fw/executors/task.1/runs/../../../../secret&offset=0", 404, "", 0},
		{"unknown file", "path=" + virtual + "/nope&offset=0", 404, "", 0},
		{"unknown task", "path=/frameworks/fw/executors/other/runs/latest/stderr&offset=0", 404, "", 0},
		{"virtual run id", "path=/frameworks/fw/executors/task.1/runs/c1/stderr&offset=0", 404, "", 0},
		{"not attached", "path=" + secret + "&offset=0", 404, "", 0},
		{"directory", "path=" + virtual + "/sub&offset=0", 400, "", 0},
		{"no path", "offset=0", 400, "", 0},
		{"negative offset", "path=" + virtual + "/stderr&offset=-2", 400, "", 0},
		{"negative length", "path=" + virtual + "/stderr&offset=0&length=-2", 400, "", 0},
		{"bad offset", "path=" + virtual + "/stderr&offset=x", 400, "", 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			q, _ := url.ParseQuery(tt.query)
			resp, err := http.Get(srv.URL + "/files/read?" + q.Encode())
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			body, _ := io.ReadAll(resp.Body)
			if resp.StatusCode != tt.code {
				t.Fatalf("status %d (%q), want %d", resp.StatusCode, body, tt.code)
			}
			if tt.code != 200 {
				if strings.Contains(string(body), "outside") {
					t.Errorf("body %q shows the file outside the sandbox", body)
				}
				return
			}
			var got struct {
				Data   string `json:"data"`
				Offset int64  `json:"offset"`
			}
			if err := json.Unmarshal(body, &got); err != nil {
				t.Fatalf("decoding %q: %v", body, err)
			}
			if got.Data != tt.data || got.Offset != tt.offset {
				t.Errorf("got data %q offset %d, want %q %d", got.Data, got.Offset, tt.data, tt.offset)
			}
		})
	}
}

// TestFilesBrowse lists a sandbox, and refuses what read refuses.
func TestFilesBrowse(t *testing.T) {
	dir := t.TempDir()
	a := &agent{dir: dir, absDir: dir}
	run := filepath.Join(dir, "frameworks", "fw", "executors", "t", "runs", "c1")
	os.MkdirAll(filepath.Join(run, "sub"), 0o755)
	os.WriteFile(filepath.Join(run, "stderr"), []byte("err"), 0o644)
	srv := httptest.NewServer(a.serveFiles())
	defer srv.Close()
	get := func(p string) (int, []byte) {
		resp, err := http.Get(srv.URL + "/files/browse?path=" + url.QueryEscape(p))
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, b
	}
	code, body := get("/frameworks/fw/executors/t/runs/latest")
	var list []struct {
		Path string  `json:"path"`
		Mode string  `json:"mode"`
		Size int64   `json:"size"`
		Time float64 `json:"mtime"`
	}
	if code != 200 || json.Unmarshal(body, &list) != nil {
		t.Fatalf("browse: %d %q", code, body)
	}
	want := fmt.Sprint([]string{"/frameworks/fw/executors/t/runs/latest/stderr -rw-r--r-- 3", "/frameworks/fw/executors/t/runs/latest/sub drwxr-xr-x"})
	var got []string
	for _, e := range list {
		s := e.Path + " " + e.Mode
		if e.Mode[0] == '-' {
			s += fmt.Sprint(" ", e.Size)
		}
		got = append(got, s)
	}
	if fmt.Sprint(got) != want {
		t.Errorf("listing %v, want %v", got, want)
	}
	if code, _ := get("/frameworks/fw/executors/t/runs/latest/../../../../.."); code != 400 {
		t.Errorf("browsing out of the sandbox: %d, want 400", code)
	}
	if code, _ := get("/frameworks/fw/executors/nope/runs/latest"); code != 404 {
		t.Errorf("browsing an unknown sandbox: %d, want 404", code)
	}
}

// TestAgentFilesAfterTask reads a failed task's stderr from the agent whose
// address its offer carried, and a finished task's until its terminal
// update is acknowledged.
func TestAgentFilesAfterTask(t *testing.T) {
	c := New(Config{RemoveFinishedSandboxes: true, WorkDir: t.TempDir(), CPUs: 2})
	if err := c.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	f := subscribe(t, c, protobufCodec(), frameworkInfo("files"))
	offer := f.offers()[0]
	addr := offer.GetURL().GetAddress()
	base := fmt.Sprintf("http://%s:%d", addr.GetIP(), addr.GetPort())
	if base == c.URL() {
		t.Fatalf("offer's agent address %s is the master's", base)
	}
	f.launch(offer, shellTask("bad", "echo broken >&2; exit 4"), shellTask("ok", "echo fine >&2"))
	read := func(task string) (int, string) {
		p := "/frameworks/" + f.id + "/executors/" + task + "/runs/latest/stderr"
		resp, err := http.Get(base + "/files/read?offset=0&path=" + url.QueryEscape(p))
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var got struct{ Data string }
		json.NewDecoder(resp.Body).Decode(&got)
		return resp.StatusCode, got.Data
	}
	want := map[string]mesos.TaskState{"ok": mesos.TASK_FINISHED, "bad": mesos.TASK_FAILED}
	stderr := map[string]string{"ok": "fine\n", "bad": "broken\n"}
	for len(want) > 0 {
		st := f.update(false)
		id := st.TaskID.Value
		if w, ok := want[id]; ok && isTerminal(st.GetState()) {
			if st.GetState() != w {
				t.Fatalf("task %s ended %v, want %v", id, st.GetState(), w)
			}
			if code, data := read(id); code != 200 || data != stderr[id] {
				t.Errorf("task %s's stderr before the ack: %d %q, want %q", id, code, data, stderr[id])
			}
			delete(want, id)
		}
		if len(st.UUID) > 0 {
			f.call(calls.Acknowledge(st.GetAgentID().GetValue(), id, st.UUID))
		}
	}
}
