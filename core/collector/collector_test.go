package collector

import (
	"bytes"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
)

func TestNew(t *testing.T) {
	key := bytes.Repeat([]byte{7}, TokenKeySize)
	tests := []struct {
		name    string
		opts    Options
		wantErr string
	}{
		{"generated key", Options{Committer: &memCommitter{}}, ""},
		{"given key", Options{Committer: &memCommitter{}, TokenKey: key}, ""},
		{"longer key", Options{Committer: &memCommitter{}, TokenKey: append(key, 1)}, ""},
		{"no committer", Options{TokenKey: key}, "Options.Committer is required"},
		{"short key", Options{Committer: &memCommitter{}, TokenKey: key[:16]}, "TokenKey has 16 bytes, want at least 32"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := New(tt.opts)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("New = %v, want an error containing %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			got := c.TokenKey()
			switch {
			case tt.opts.TokenKey != nil && !bytes.Equal(got, tt.opts.TokenKey):
				t.Errorf("TokenKey = %x, want the given %x", got, tt.opts.TokenKey)
			case tt.opts.TokenKey == nil && (len(got) != TokenKeySize || bytes.Equal(got, make([]byte, TokenKeySize))):
				t.Errorf("generated TokenKey = %x, want %d random bytes", got, TokenKeySize)
			}
			got[0]++ // a copy: the collector's key does not change
			if bytes.Equal(c.TokenKey(), got) {
				t.Error("TokenKey returned the collector's own slice")
			}
		})
	}
}

func TestRegister(t *testing.T) {
	c, err := New(Options{Committer: &memCommitter{}})
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
	if again, err := c.Register("a"); err != nil || again != a {
		t.Errorf("second Register = %q, %v; want the same token %q", again, err, a)
	}
	other, err := New(Options{Committer: &memCommitter{}})
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	if tok, _ := other.Register("a"); tok == a {
		t.Error("collectors with different keys gave the same token")
	}
	if _, err := c.Register(""); err == nil {
		t.Error("Register of an empty id succeeded")
	}
	c.Close()
	if _, err := c.Register("c"); !errors.Is(err, ErrClosed) {
		t.Errorf("Register after Close = %v, want ErrClosed", err)
	}
}

// TestRestartKeepsTokens: a collector created with an earlier one's key
// accepts that one's tokens for the attempts registered with it again, and
// only for those.
func TestRestartKeepsTokens(t *testing.T) {
	first := newFixture(t, Options{})
	key := first.c.TokenKey()
	tokDone := first.register(t, "done")
	tokRunning := first.register(t, "running")
	tokOld := first.register(t, "superseded")
	postOKFor("done", `{"output":1}`)(t, first, tokDone)
	first.srv.Close()
	first.c.Close()

	second := newFixture(t, Options{TokenKey: key})
	if tok := second.register(t, "running"); tok != tokRunning {
		t.Fatalf("Register after the restart gave token %q, want the first collector's %q", tok, tokRunning)
	}
	tests := []struct {
		name   string
		id     string
		tok    string
		status int
		reason string
	}{
		{"attempt not registered again", "superseded", tokOld, 409, "no longer current"},
		{"settled attempt not registered again", "done", tokDone, 409, "no longer current"},
		{"another attempt's token", "running", tokOld, 403, "wrong token"},
		{"token issued before the restart", "running", tokRunning, 200, "result stored"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			status, msg := second.post(t, tt.id, tt.tok, `{"output":2}`)
			if status != tt.status || !strings.Contains(msg, tt.reason) {
				t.Fatalf("post = %d %q, want %d %q", status, msg, tt.status, tt.reason)
			}
		})
	}
	if n := second.onResultCalls(); n != 1 {
		t.Errorf("OnResult called %d times after the restart, want 1", n)
	}
	third := newFixture(t, Options{}) // a new key: the old tokens mean nothing
	third.register(t, "running")
	if status, _ := third.post(t, "running", tokRunning, `{"output":2}`); status != 403 {
		t.Errorf("post to a collector with another key = %d, want 403", status)
	}
}

func TestForget(t *testing.T) {
	fx := newFixture(t, Options{})
	tok := fx.register(t, "task-1")
	fx.c.Forget("task-1")
	status, msg := fx.post(t, "task-1", tok, `{"output":1}`)
	want := `attempt "task-1" is no longer current (superseded, killed, timed out, or its task already has a result); result not kept` + "\n"
	if status != 409 || msg != want {
		t.Errorf("post for a forgotten attempt: %d %q, want 409 %q", status, msg, want)
	}
	if _, ok := fx.com.result("task-1"); ok || fx.onResultCalls() != 0 {
		t.Error("a forgotten attempt's result was kept")
	}
	if again := fx.register(t, "task-1"); again != tok {
		t.Errorf("registered again: token %q, want %q", again, tok)
	}
	if status, msg := fx.post(t, "task-1", tok, `{"output":1}`); status != 200 {
		t.Errorf("post after registering again: %d %q, want 200", status, msg)
	}
	fx.c.Forget("task-1")
	fx.c.Forget("never registered") // a no-op
	fx.c.mu.Lock()
	n := len(fx.c.current)
	fx.c.mu.Unlock()
	if n != 0 {
		t.Errorf("collector holds %d attempts after forgetting them all", n)
	}
}

func TestConcurrentPosts(t *testing.T) {
	fx := newFixture(t, Options{})
	const tasks = 100
	tokens := make([]string, tasks)
	for i := range tasks {
		tokens[i] = fx.register(t, fmt.Sprintf("task-%d", i))
	}
	// Every task posts twice at once (a retry racing the first attempt);
	// each 200 comes after the result's Commit returned.
	var wg sync.WaitGroup
	for i := range 2 * tasks {
		wg.Go(func() {
			id := fmt.Sprintf("task-%d", i%tasks)
			status, msg := fx.post(t, id, tokens[i%tasks], fmt.Sprintf(`{"output": %d, "display": "task %d"}`, i%tasks, i%tasks))
			if status != 200 {
				t.Errorf("post %d: %d %s, want 200", i, status, msg)
				return
			}
			if r, ok := fx.com.result(id); !ok || string(r.Output) != fmt.Sprint(i%tasks) {
				t.Errorf("%s answered 200 before its result was committed (%+v, %v)", id, r, ok)
			}
		})
	}
	wg.Wait()
	if n := fx.onResultCalls(); n != tasks {
		t.Errorf("OnResult called %d times, want %d", n, tasks)
	}
	total := 0
	for _, n := range fx.com.batchSizes() {
		total += n
	}
	if total != tasks {
		t.Errorf("Committer was handed %d results, want each of the %d once", total, tasks)
	}
}

// TestHoldUntilRelease: a restarted collector that holds answers a valid
// token of an attempt it does not know yet with 503 and Retry-After, so the
// task posts again; once released, the same post is refused for good.
func TestHoldUntilRelease(t *testing.T) {
	first := newFixture(t, Options{})
	tok := first.register(t, "early")
	key := first.c.TokenKey()
	first.srv.Close()
	first.c.Close()

	second := newFixture(t, Options{TokenKey: key, Hold: true})
	req, _ := http.NewRequest(http.MethodPost, second.srv.URL+"/v1/results/early", strings.NewReader(`{"output":1}`))
	req.Header.Set("Authorization", "Bearer "+tok)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusServiceUnavailable || resp.Header.Get("Retry-After") != "1" {
		t.Fatalf("held: %d Retry-After %q, want 503 with Retry-After 1", resp.StatusCode, resp.Header.Get("Retry-After"))
	}
	second.c.Release()
	if status, msg := second.post(t, "early", tok, `{"output":1}`); status != http.StatusConflict {
		t.Fatalf("released: %d %q, want 409", status, msg)
	}
}
