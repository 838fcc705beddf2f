package report

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// fast is Post's policy with pauses short enough for tests.
var fast = poster{attempts: 5, backoff: time.Millisecond, timeout: 10 * time.Second}

// collector answers posts with the statuses in answers, one per post, and
// 200 after them; it records the bodies it accepted.
type collector struct {
	answers []int
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
		http.Error(w, "answer "+http.StatusText(c.answers[n-1]), c.answers[n-1])
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

func TestPost(t *testing.T) {
	tests := []struct {
		name      string
		answers   []int
		wantPosts int32
		wantErr   string // empty: success
	}{
		{name: "accepted", wantPosts: 1},
		{name: "5xx retried", answers: []int{503, 500}, wantPosts: 3},
		{name: "4xx fails at once", answers: []int{409}, wantPosts: 1, wantErr: "refused result: 409 Conflict: answer Conflict"},
		{name: "5xx to the last attempt", answers: []int{502, 502, 502, 502, 502}, wantPosts: 5, wantErr: "answered 502 Bad Gateway"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := &collector{answers: tt.answers}
			start(t, c)
			var pauses []time.Duration
			p := defaultPoster
			p.pause = func(_ context.Context, d time.Duration) error {
				pauses = append(pauses, d)
				return nil
			}
			err := p.post(context.Background(), map[string]string{"sum": "6"}, "sum of 1 2 3 = 6")
			if got := c.posts.Load(); got != tt.wantPosts {
				t.Errorf("%d posts, want %d", got, tt.wantPosts)
			}
			// A pause before each retry, doubling from 200ms.
			var want []time.Duration
			for d := 200 * time.Millisecond; len(want) < int(tt.wantPosts)-1; d *= 2 {
				want = append(want, d)
			}
			if !slices.Equal(pauses, want) {
				t.Errorf("pauses %v, want %v", pauses, want)
			}
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) || !strings.Contains(err.Error(), "/v1/results/3.0") {
					t.Fatalf("post error = %v, want one naming the collector and containing %q", err, tt.wantErr)
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

func TestPostConnectionErrorsRetried(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var accepted atomic.Int32
	done := make(chan struct{})
	go func() {
		defer close(done)
		for {
			conn, err := ln.Accept()
			if err != nil {
				return
			}
			accepted.Add(1)
			conn.Close() // no answer: a connection error for the client
		}
	}()
	t.Cleanup(func() { ln.Close(); <-done })
	t.Setenv(EnvCollectorURL, "http://"+ln.Addr().String()+"/r")
	t.Setenv(EnvTaskToken, "tok")
	err = fast.post(context.Background(), 1, "")
	if err == nil || !strings.Contains(err.Error(), "posting result") {
		t.Fatalf("post error = %v, want a connection error", err)
	}
	// The transport may itself retry a request on a reused connection, so
	// count at least one connection per attempt.
	if got := accepted.Load(); got < int32(fast.attempts) {
		t.Errorf("%d connections, want at least %d", got, fast.attempts)
	}
}

func TestPostErrors(t *testing.T) {
	t.Run("no collector", func(t *testing.T) {
		t.Setenv(EnvCollectorURL, "")
		t.Setenv(EnvTaskToken, "tok")
		err := Post(context.Background(), 1, "")
		if !errors.Is(err, ErrNoCollector) || !strings.Contains(err.Error(), EnvCollectorURL) {
			t.Fatalf("Post error = %v, want ErrNoCollector naming %s", err, EnvCollectorURL)
		}
	})
	t.Run("no token", func(t *testing.T) {
		t.Setenv(EnvCollectorURL, "http://127.0.0.1:1/")
		t.Setenv(EnvTaskToken, "")
		if err := Post(context.Background(), 1, ""); !errors.Is(err, ErrNoCollector) {
			t.Fatalf("Post error = %v, want ErrNoCollector", err)
		}
	})
	t.Run("output not JSON", func(t *testing.T) {
		start(t, &collector{})
		if err := Post(context.Background(), func() {}, ""); err == nil || !strings.Contains(err.Error(), "encoding result") {
			t.Fatalf("Post error = %v, want an encoding error", err)
		}
	})
	t.Run("cancelled while waiting to retry", func(t *testing.T) {
		start(t, &collector{answers: []int{503}})
		ctx, cancel := context.WithCancel(context.Background())
		waiting := make(chan time.Duration, 1)
		p := fast
		p.pause = func(ctx context.Context, d time.Duration) error {
			waiting <- d
			<-ctx.Done()
			return ctx.Err()
		}
		errc := make(chan error, 1)
		go func() { errc <- p.post(ctx, 1, "") }()
		if d := <-waiting; d != fast.backoff {
			t.Errorf("first pause %v, want %v", d, fast.backoff)
		}
		cancel()
		err := <-errc
		if !errors.Is(err, context.Canceled) || !strings.Contains(err.Error(), "503") {
			t.Fatalf("post error = %v, want context.Canceled after the 503", err)
		}
	})
}

func TestBodyJSON(t *testing.T) {
	// The collector (core/collector) decodes this shape; keep it stable.
	b, err := json.Marshal(Body{Output: json.RawMessage(`[1]`)})
	if err != nil || string(b) != `{"output":[1]}` {
		t.Fatalf("Body JSON = %s, %v", b, err)
	}
}
