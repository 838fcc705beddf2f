package main

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"io/fs"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/batchd/batchd/core/state"
)

// serveTestAPI serves a state API over a store holding job "j" of two
// tasks, and returns the state folder.
func serveTestAPI(t *testing.T) (dir string, m *Main) {
	t.Helper()
	dir = t.TempDir()
	db, err := state.Open(dir, state.Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if err := db.CreateJob(state.Job{Name: "j", State: state.JobRunning, Tasks: 2}); err != nil {
		t.Fatal(err)
	}
	if err := db.AddPlan("j", []state.Planned{{Seq: 0, ID: "a", Label: "first"}, {Seq: 1, ID: "b"}}); err != nil {
		t.Fatal(err)
	}
	m = NewMain(io.Discard, io.Discard)
	m.log = slog.New(slog.DiscardHandler)
	mux := http.NewServeMux()
	srv := httptest.NewUnstartedServer(mux)
	if err := m.serveStateAPI(mux, db, dir, srv.Listener.Addr(), ""); err != nil {
		t.Fatal(err)
	}
	srv.Start()
	t.Cleanup(srv.Close)
	return dir, m
}

func TestStateAPI(t *testing.T) {
	dir, m := serveTestAPI(t)
	ctx := context.Background()
	api, _, err := dialAPI(ctx, dir)
	if err != nil {
		t.Fatal(err)
	}
	defer api.close()
	jobs, _ := api.jobs(ctx)
	if len(jobs) != 1 || jobs[0] != (jobInfo{Name: "j", State: state.JobRunning, Tasks: 2}) {
		t.Errorf("jobs = %+v", jobs)
	}
	var got []string
	if err := api.rows(ctx, "j", func(r resultRow) error {
		got = append(got, r.Task+":"+r.Label+":"+string(r.State))
		if r.Output != nil || r.Start != nil {
			t.Errorf("row %s: output %s, start %v; want none", r.Task, r.Output, r.Start)
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if strings.Join(got, " ") != "a:first:pending b::pending" {
		t.Errorf("rows = %q", got)
	}
	err = api.rows(ctx, "nosuch", func(resultRow) error { return nil })
	if err == nil || !strings.Contains(err.Error(), "404") || !strings.Contains(err.Error(), "it has: j") {
		t.Errorf("unknown job: err = %v, want a 404 naming the stored jobs", err)
	}
	for _, q := range []string{"?job=j&format=csv", ""} {
		body, status, err := api.get(ctx, "/v1/state/results"+q)
		if err != nil {
			t.Fatal(err)
		}
		body.Close()
		if status != http.StatusBadRequest {
			t.Errorf("results%s: status %d, want 400", q, status)
		}
	}

	if err := m.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dir, apiFileName)); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("api file after Close: %v, want it removed", err)
	}
}

// TestDialAPIStale checks which failures to reach a running batchd's API
// are worth waiting out (it is starting, or the file is a killed one's).
func TestDialAPIStale(t *testing.T) {
	closed, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	deadURL := "http://" + closed.Addr().String()
	closed.Close()
	tests := []struct {
		name      string
		file      func(live apiFile) any // what the api file holds: nil (none), a string or an apiFile
		wantRetry bool
		wantErr   string
	}{
		{"no file yet", func(apiFile) any { return nil }, true, "no such file"},
		{"half written", func(apiFile) any { return "{" }, true, "want {"},
		{"nobody listens", func(live apiFile) any { return apiFile{URL: deadURL, Token: live.Token} }, true, "connection refused"},
		{"another token", func(live apiFile) any { return apiFile{URL: live.URL, Token: strings.Repeat("1", 64)} }, true, "401"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir, _ := serveTestAPI(t)
			path := filepath.Join(dir, apiFileName)
			raw, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			var live apiFile
			if err := json.Unmarshal(raw, &live); err != nil {
				t.Fatal(err)
			}
			os.Remove(path)
			switch v := tt.file(live).(type) {
			case string:
				os.WriteFile(path, []byte(v), 0o600)
			case apiFile:
				b, _ := json.Marshal(v)
				os.WriteFile(path, b, 0o600)
			}
			_, retry, err := dialAPI(context.Background(), dir)
			if err == nil || retry != tt.wantRetry || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("retry %v, err %v; want retry %v and an error with %q", retry, err, tt.wantRetry, tt.wantErr)
			}
		})
	}
}
