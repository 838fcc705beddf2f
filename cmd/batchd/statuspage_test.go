package main

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"math"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/batchd/batchd/core/staging"
	"github.com/batchd/batchd/core/state"
	"github.com/chromedp/chromedp"
)

// Task-controlled text the page must show as text.
const (
	hostileLabel  = `<img src=x onerror="window.pwned=1">`
	hostileStderr = "line 1\n</pre><script>window.pwned=2</script>\n<b>bold</b>"
)

// statusStore is a store holding job "j", created a minute before the
// instant it returns: task a runs since 1s in, b is done at 30s, c failed
// with hostile stderr, d is pending.
func statusStore(t *testing.T) (*state.Store, time.Time) {
	t.Helper()
	db, err := state.Open(t.TempDir(), state.Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	created := time.Now().Add(-time.Minute).Round(time.Second)
	at := func(s int) time.Time { return created.Add(time.Duration(s) * time.Second) }
	if err := db.CreateJob(state.Job{Name: "j", State: state.JobRunning, Tasks: 4, Created: created}); err != nil {
		t.Fatal(err)
	}
	err = db.AddPlan("j", []state.Planned{{Seq: 0, ID: "a", Label: hostileLabel}, {Seq: 1, ID: "b"}, {Seq: 2, ID: "c"}, {Seq: 3, ID: "d"}})
	if err != nil {
		t.Fatal(err)
	}
	db.Launched("j", 0, state.Attempt{N: 1, TaskID: "j/a/1", Start: at(1)})
	db.Launched("j", 1, state.Attempt{N: 1, TaskID: "j/b/1", Start: at(25)})
	db.Launched("j", 2, state.Attempt{N: 1, TaskID: "j/c/1", Start: at(2)})
	db.Updated("j", 2, 1, "agent", "TASK_FAILED", "", "exit 1", at(12))
	db.Stderr("j", 2, 1, hostileStderr)
	db.Failed("j", 2, "task c: <i>failed</i>")
	_, err = db.CommitResults([]state.NewResult{{Job: "j", Seq: 1, Result: state.Result{Attempt: 1, Output: json.RawMessage(`1`), Received: at(30)}}})
	if err != nil {
		t.Fatal(err)
	}
	return db, at(60)
}

func TestJobStatusOf(t *testing.T) {
	db, now := statusStore(t)
	j, err := db.Job("j")
	if err != nil {
		t.Fatal(err)
	}
	s, err := jobStatusOf(db, j, now)
	if err != nil {
		t.Fatal(err)
	}
	if want := (taskCounts{Pending: 1, Running: 1, Done: 1, Failed: 1}); s.Counts != want {
		t.Errorf("counts %+v, want %+v", s.Counts, want)
	}
	// 2 tasks ended in the last minute (b at 30s, c at 12s): 2 left at 2/60 per second.
	if s.Rate != 2.0/60 || math.Abs(s.ETA-60) > 1e-9 {
		t.Errorf("rate %v/s, ETA %vs; want %v/s and 60s", s.Rate, s.ETA, 2.0/60)
	}
	var slow []string
	for _, ts := range s.Slowest {
		slow = append(slow, ts.ID)
	}
	if strings.Join(slow, " ") != "a c b" || s.Slowest[0].Seconds != 59 {
		t.Errorf("slowest %v (first %vs), want a (59s) c b", slow, s.Slowest[0].Seconds)
	}
	if s.FailedTotal != 1 || len(s.Failed) != 1 || s.Failed[0].Stderr != hostileStderr || s.Failed[0].Error != "task c: <i>failed</i>" {
		t.Errorf("failed %d %+v", s.FailedTotal, s.Failed)
	}
	tl := s.Timeline
	if len(tl) != timelineBins+1 || tl[0].Ended != 0 || tl[len(tl)-1].Ended != 2 || tl[len(tl)-1].T != 60 {
		t.Errorf("timeline from %+v to %+v (%d points), want 0 at 0s to 2 at 60s", tl[0], tl[len(tl)-1], len(tl))
	}
	if got := tl[timelineBins/4].Ended; got != 1 { // at 15s, only c
		t.Errorf("timeline at 15s: %d ended, want 1", got)
	}
}

func TestLastLines(t *testing.T) {
	for _, c := range []struct{ in, want string }{
		{"", ""},
		{"one", "one"},
		{"a\nb\nc\n", "b\nc"},
		{"a\nb\nc", "b\nc"},
		{"b\nc", "b\nc"},
	} {
		if got := lastLines(c.in, 2); got != c.want {
			t.Errorf("lastLines(%q, 2) = %q, want %q", c.in, got, c.want)
		}
	}
}

// statusServer serves db's status page; it returns the server and the
// page's URL with its token.
func statusServer(t *testing.T, db *state.Store) (*httptest.Server, *statusPage, string) {
	t.Helper()
	store, err := staging.Open(t.TempDir(), staging.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	page, err := newStatusPage(db, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	srv := httptest.NewUnstartedServer(mux)
	url := page.mount(mux, store, "http", srv.Listener.Addr())
	srv.Start()
	t.Cleanup(srv.Close)
	return srv, page, url
}

func TestStatusPageAccess(t *testing.T) {
	db, _ := statusStore(t)
	srv, page, url := statusServer(t, db)
	cookie := &http.Cookie{Name: page.cookie, Value: page.token}
	wrong := &http.Cookie{Name: page.cookie, Value: strings.Repeat("0", len(page.token))}
	for _, c := range []struct {
		name, path, bearer string
		cookie             *http.Cookie
		status             int
		want               string // in the body, or the Location
	}{
		{name: "page without token", path: "/", status: 401, want: "needs its token"},
		{name: "page with a wrong token", path: "/?token=abc", status: 401},
		{name: "page with the printed URL", path: strings.TrimPrefix(url, srv.URL), status: 303, want: "/"},
		{name: "page with the cookie", path: "/", cookie: cookie, status: 200, want: `<script src="/web/status.js"`},
		{name: "page with a wrong cookie", path: "/", cookie: wrong, status: 401},
		{name: "status without token", path: "/v1/status", status: 401},
		{name: "status with a wrong cookie", path: "/v1/status", cookie: wrong, status: 401},
		{name: "status with the token as query", path: "/v1/status?token=" + page.token, status: 401},
		{name: "status with the cookie", path: "/v1/status", cookie: cookie, status: 200, want: `"name":"j"`},
		{name: "status with the bearer token", path: "/v1/status", bearer: page.token, status: 200, want: `"running":1`},
		{name: "script, static", path: "/web/status.js", status: 200, want: "textContent"},
	} {
		t.Run(c.name, func(t *testing.T) {
			req, _ := http.NewRequest(http.MethodGet, srv.URL+c.path, nil)
			if c.cookie != nil {
				req.AddCookie(c.cookie)
			}
			if c.bearer != "" {
				req.Header.Set("Authorization", "Bearer "+c.bearer)
			}
			client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
			resp, err := client.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			body, _ := io.ReadAll(resp.Body)
			if resp.StatusCode != c.status {
				t.Fatalf("status %d, want %d: %s", resp.StatusCode, c.status, body)
			}
			switch {
			case c.status == 303:
				set := resp.Header.Get("Set-Cookie")
				if loc := resp.Header.Get("Location"); loc != c.want || !strings.Contains(set, page.cookie+"="+page.token) ||
					!strings.Contains(set, "HttpOnly") || !strings.Contains(set, "SameSite=Strict") {
					t.Errorf("Location %q, Set-Cookie %q; want %q and an HttpOnly, SameSite=Strict cookie", loc, set, c.want)
				}
			case !strings.Contains(string(body), c.want):
				t.Errorf("body does not hold %q:\n%s", c.want, body)
			}
			if c.status == 200 && strings.HasPrefix(c.path, "/web/") || c.path == "/" && c.status == 200 {
				if csp := resp.Header.Get("Content-Security-Policy"); csp != pageCSP {
					t.Errorf("Content-Security-Policy %q, want %q", csp, pageCSP)
				}
			}
		})
	}
}

// TestStatusPageEscapes opens the page over a store whose tasks hold
// markup in their label, error and stderr, in headless chromium: the page
// shows it as text and creates no element from it.
func TestStatusPageEscapes(t *testing.T) {
	ctx := browser(t)
	db, _ := statusStore(t)
	_, _, url := statusServer(t, db)
	if err := chromedp.Do(ctx, chromedp.Navigate(url)); err != nil {
		t.Fatalf("opening %s: %v", url, err)
	}
	pctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	if _, err := chromedp.Run(pctx, chromedp.Poll[bool](`!!document.querySelector('section.job[data-job="j"] .failed-tasks pre.stderr')`,
		chromedp.WithPollingInterval(20*time.Millisecond))); err != nil {
		t.Fatalf("the page shows no failed task: %v", err)
	}
	got, err := chromedp.Run(ctx, chromedp.Evaluate[map[string]any](`(() => {
		const s = document.querySelector('section.job[data-job="j"]');
		return {
			stderr: s.querySelector('.failed-tasks pre.stderr').textContent,
			error: s.querySelector('.failed-tasks .err').textContent,
			label: s.querySelector('.slow-tasks .task.running strong').textContent,
			injected: document.querySelectorAll('main img, main script, main i, main b').length,
			pwned: window.pwned === undefined ? 0 : window.pwned,
		};
	})()`))
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]any{"stderr": hostileStderr, "error": "task c: <i>failed</i>", "label": hostileLabel, "injected": 0.0, "pwned": 0.0}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s: the page has %#v, want %#v", k, got[k], v)
		}
	}
}
