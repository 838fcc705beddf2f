package report

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// answer is one answer of a stand-in collector.
type answer struct {
	status     int
	retryAfter string // Retry-After header; empty: none
}

// times is n copies of a.
func times(n int, a answer) []answer { return slices.Repeat([]answer{a}, n) }

// collector answers posts with answers, one per post, and 200 after them;
// it records the bodies it accepted.
type collector struct {
	answers []answer
	posts   atomic.Int32
	bodies  chan string
}

func (c *collector) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	n := int(c.posts.Add(1))
	if r.Method != http.MethodPost || r.Header.Get("Authorization") != "Bearer tok-7" ||
		r.Header.Get("Content-Type") != "application/json" {
		http.Error(w, "want a JSON POST with the task's token", http.StatusUnauthorized)
		return
	}
	if n <= len(c.answers) {
		a := c.answers[n-1]
		if a.retryAfter != "" {
			w.Header().Set("Retry-After", a.retryAfter)
		}
		http.Error(w, "answer "+http.StatusText(a.status), a.status)
		return
	}
	b, _ := io.ReadAll(r.Body)
	c.bodies <- string(b)
}

// start serves c and points the task environment at it.
func start(t *testing.T, c *collector) {
	t.Helper()
	c.bodies = make(chan string, 1)
	srv := httptest.NewServer(c)
	t.Cleanup(srv.Close)
	t.Setenv(EnvCollectorURL, srv.URL+"/v1/results/3.0")
	t.Setenv(EnvTaskToken, "tok-7")
}

// epoch is where a virtual clock starts.
var epoch = time.Date(2026, 12, 5, 1, 0, 0, 0, time.UTC)

// virtual is Post's policy with pauses that take no time: each advances a
// virtual clock, which the deadline follows, and is recorded. Jitter is
// off, so pauses are exact.
type virtual struct {
	p       poster
	clock   time.Time
	pauses  []time.Duration
	onPause func(n int) // run at the n-th pause (from 1); may be nil
}

func newVirtual() *virtual {
	v := &virtual{p: defaultPoster, clock: epoch}
	v.p.now = func() time.Time { return v.clock }
	v.p.jitter = func(d time.Duration) time.Duration { return d }
	v.p.pause = func(ctx context.Context, d time.Duration) error {
		v.pauses = append(v.pauses, d)
		v.clock = v.clock.Add(d)
		if v.onPause != nil {
			v.onPause(len(v.pauses))
		}
		return ctx.Err()
	}
	return v
}

// backoffs is Post's first n pauses without jitter: 200 ms, doubled up to 5 s.
func backoffs(n int) []time.Duration {
	var out []time.Duration
	for d := 200 * time.Millisecond; len(out) < n; d = min(2*d, 5*time.Second) {
		out = append(out, d)
	}
	return out
}

func TestPost(t *testing.T) {
	in4s := epoch.Add(4 * time.Second).Format(http.TimeFormat)
	tests := []struct {
		name       string
		deadline   string // EnvReportDeadline; empty: unset
		answers    []answer
		wantPosts  int32
		wantPauses []time.Duration
		wantErr    string // empty: success
		wantIs     error
	}{
		{name: "accepted", wantPosts: 1},
		{name: "5xx retried", answers: []answer{{status: 503}, {status: 500}, {status: 502}, {status: 504}},
			wantPosts: 5, wantPauses: backoffs(4)},
		{name: "408 and 429 retried", answers: []answer{{status: 408}, {status: 429}}, wantPosts: 3, wantPauses: backoffs(2)},
		{name: "pauses capped at 5s", answers: times(8, answer{status: 503}), wantPosts: 9,
			wantPauses: []time.Duration{200e6, 400e6, 800e6, 1600e6, 3200e6, 5e9, 5e9, 5e9}},
		{name: "Retry-After seconds on 503", answers: []answer{{503, "3"}}, wantPosts: 2, wantPauses: []time.Duration{3 * time.Second}},
		{name: "Retry-After date on 503", answers: []answer{{503, in4s}}, wantPosts: 2, wantPauses: []time.Duration{4 * time.Second}},
		{name: "Retry-After bounded by the cap", answers: []answer{{429, "120"}}, wantPosts: 2, wantPauses: []time.Duration{5 * time.Second}},
		{name: "Retry-After shorter than the backoff", answers: []answer{{500, ""}, {500, ""}, {503, "0"}},
			wantPosts: 4, wantPauses: backoffs(3)},
		{name: "Retry-After lengthens a pause", answers: []answer{{500, ""}, {500, ""}, {503, "1"}},
			wantPosts: 4, wantPauses: []time.Duration{200e6, 400e6, time.Second}},
		{name: "Retry-After ignored on 500", answers: []answer{{500, "3"}}, wantPosts: 2, wantPauses: backoffs(1)},
		{name: "Retry-After unreadable", answers: []answer{{503, "soon"}}, wantPosts: 2, wantPauses: backoffs(1)},
		{name: "400 fails at once", answers: []answer{{status: 400}}, wantPosts: 1,
			wantErr: "refused the result: 400 Bad Request (answer Bad Request)"},
		{name: "403 fails at once", answers: []answer{{status: 403}}, wantPosts: 1, wantErr: "refused the result: 403 Forbidden"},
		{name: "404 fails at once", answers: []answer{{status: 404}}, wantPosts: 1, wantErr: "refused the result: 404 Not Found"},
		{name: "413 fails at once", answers: []answer{{status: 413}}, wantPosts: 1, wantErr: "413 Request Entity Too Large"},
		{name: "409 means superseded", answers: []answer{{status: 409}}, wantPosts: 1, wantIs: ErrSuperseded,
			wantErr: "attempt superseded: collector http://"},
		{name: "409 after a 503", answers: []answer{{status: 503}, {status: 409}}, wantPosts: 2, wantPauses: backoffs(1),
			wantIs: ErrSuperseded, wantErr: "no longer counts this attempt's result"},
		// 0.2+0.4+0.8+1.6+3.2 = 6.2 s; a 5 s pause then would leave less
		// than a second before the 10 s deadline.
		{name: "deadline set", deadline: "10s", answers: times(100, answer{status: 503}), wantPosts: 6, wantPauses: backoffs(5),
			wantErr: "gave up after 6 posts in 6.2s (deadline 10s, from BATCHD_REPORT_DEADLINE): collector answered 503 Service Unavailable: answer Service Unavailable"},
		// 6.2 s, then 22 pauses of 5 s to 116.2 s: one more would leave
		// less than a second of the 2 minutes.
		{name: "default deadline", answers: times(100, answer{status: 502}), wantPosts: 28, wantPauses: backoffs(27),
			wantErr: "gave up after 28 posts in 1m56.2s (deadline 2m0s"},
		{name: "deadline 0 posts once", deadline: "0", answers: []answer{{status: 503}}, wantPosts: 1,
			wantErr: "gave up after 1 post in 0s (deadline 0s"},
		{name: "deadline 0 accepted", deadline: "0", wantPosts: 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := &collector{answers: tt.answers}
			start(t, c)
			t.Setenv(EnvReportDeadline, tt.deadline)
			v := newVirtual()
			err := v.p.post(context.Background(), map[string]string{"sum": "6"}, "sum of 1 2 3 = 6")
			if got := c.posts.Load(); got != tt.wantPosts {
				t.Errorf("%d posts, want %d", got, tt.wantPosts)
			}
			if !slices.Equal(v.pauses, tt.wantPauses) {
				t.Errorf("pauses %v, want %v", v.pauses, tt.wantPauses)
			}
			deadline, _ := deadlineFromEnv()
			if elapsed := v.clock.Sub(epoch); elapsed > deadline {
				t.Errorf("posted for %s, past the deadline %s", elapsed, deadline)
			}
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) || !strings.Contains(err.Error(), "/v1/results/3.0") {
					t.Fatalf("post error = %v, want one naming the collector and containing %q", err, tt.wantErr)
				}
				if tt.wantIs != nil && !errors.Is(err, tt.wantIs) {
					t.Errorf("post error = %v, want one matching %v", err, tt.wantIs)
				}
				return
			}
			if err != nil {
				t.Fatalf("post: %v", err)
			}
			if got, want := <-c.bodies, `{"output":{"sum":"6"},"display":"sum of 1 2 3 = 6"}`; got != want {
				t.Errorf("body = %s, want %s", got, want)
			}
		})
	}
}

func TestPostErrors(t *testing.T) {
	tests := []struct {
		name    string
		url     string // EnvCollectorURL; "serve": a collector answering 200
		token   string
		output  any
		env     string // EnvReportDeadline
		wantErr string
		wantIs  error
	}{
		{name: "no collector", token: "tok", wantErr: EnvCollectorURL + " and " + EnvTaskToken + " must be set", wantIs: ErrNoCollector},
		{name: "no token", url: "http://127.0.0.1:1/", wantIs: ErrNoCollector},
		{name: "not http", url: "ftp://u:secret@host/r", token: "tok",
			wantErr: "BATCHD_COLLECTOR_URL=ftp://u:xxxxx@host/r: want an http:// or https:// URL"},
		{name: "no host", url: "http:///r", token: "tok", wantErr: "want an http:// or https:// URL"},
		{name: "bad deadline", url: "serve", token: "tok-7", env: "soon", wantErr: `BATCHD_REPORT_DEADLINE="soon": want a Go duration`},
		{name: "output not JSON", url: "serve", token: "tok-7", output: func() {}, wantErr: "encoding result"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := &collector{}
			start(t, c)
			if tt.url != "serve" {
				t.Setenv(EnvCollectorURL, tt.url)
			}
			t.Setenv(EnvTaskToken, tt.token)
			t.Setenv(EnvReportDeadline, tt.env)
			err := Post(context.Background(), tt.output, "")
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) || (tt.wantIs != nil && !errors.Is(err, tt.wantIs)) {
				t.Fatalf("Post error = %v, want one containing %q (matching %v)", err, tt.wantErr, tt.wantIs)
			}
			if strings.Contains(err.Error(), "secret") {
				t.Errorf("Post error %q shows the password", err)
			}
			if n := c.posts.Load(); n != 0 {
				t.Errorf("%d posts, want none", n)
			}
		})
	}
}

func TestPostCancelledWhileWaiting(t *testing.T) {
	start(t, &collector{answers: []answer{{status: 503}}})
	ctx, cancel := context.WithCancel(context.Background())
	waiting := make(chan time.Duration, 1)
	p := newVirtual().p
	p.pause = func(ctx context.Context, d time.Duration) error {
		waiting <- d
		<-ctx.Done()
		return ctx.Err()
	}
	errc := make(chan error, 1)
	go func() { errc <- p.post(ctx, 1, "") }()
	if d := <-waiting; d != p.backoff {
		t.Errorf("first pause %v, want %v", d, p.backoff)
	}
	cancel()
	err := <-errc
	if !errors.Is(err, context.Canceled) || !strings.Contains(err.Error(), "after 1 post; last error: collector answered 503") {
		t.Fatalf("post error = %v, want context.Canceled after the 503", err)
	}
}

func TestDeadlineFromEnv(t *testing.T) {
	tests := []struct {
		env     string
		want    time.Duration
		wantErr string
	}{
		{env: "", want: DefaultDeadline},
		{env: "30s", want: 30 * time.Second},
		{env: "1h", want: time.Hour},
		{env: "0", want: 0},
		{env: "-1s", wantErr: `BATCHD_REPORT_DEADLINE="-1s": want a Go duration such as "2m" or "0": negative`},
		{env: "10", wantErr: "missing unit"},
		{env: "soon", wantErr: `"soon"`},
	}
	for _, tt := range tests {
		t.Run(tt.env, func(t *testing.T) {
			t.Setenv(EnvReportDeadline, tt.env)
			got, err := deadlineFromEnv()
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("deadline = %v, %v; want an error containing %q", got, err, tt.wantErr)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Fatalf("deadline = %v, %v; want %v", got, err, tt.want)
			}
		})
	}
}

func TestBodyJSON(t *testing.T) {
	// The collector (core/collector) decodes this shape; keep it stable.
	b, err := json.Marshal(Body{Output: json.RawMessage(`[1]`)})
	if err != nil || string(b) != `{"output":[1]}` {
		t.Fatalf("Body JSON = %s, %v", b, err)
	}
}
