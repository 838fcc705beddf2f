package collector

import (
	"errors"
	"fmt"
	"net/http"
	"runtime"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

var errDiskGone = errors.New("disk gone")

// waitBatch waits until the collector's next batch holds n results.
func waitBatch(t *testing.T, c *Collector, n int) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		c.mu.Lock()
		got := len(c.cur.pending)
		c.mu.Unlock()
		if got == n {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("the next batch holds %d results, want %d", got, n)
		}
		runtime.Gosched()
	}
}

// TestGroupCommit holds the first Commit while the other posts arrive:
// they share the second Commit, and are answered with its outcome. When it
// fails, each gets 503 with the error, OnResult is not called for them,
// and posting again stores them.
func TestGroupCommit(t *testing.T) {
	tests := []struct {
		name       string
		failSecond bool
	}{
		{"commit succeeds", false},
		{"commit fails, posts retried", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			const posts = 16
			entered, release := make(chan struct{}), make(chan struct{})
			com := &memCommitter{
				hold: func(n int) {
					if n == 1 {
						close(entered)
						<-release
					}
				},
				fail: func(n int) error {
					if tt.failSecond && n == 2 {
						return errDiskGone
					}
					return nil
				},
			}
			fx := newFixture(t, Options{Committer: com})
			tokens := make([]string, posts)
			for i := range posts {
				tokens[i] = fx.register(t, fmt.Sprintf("task-%d", i))
			}
			statuses, answers := make([]int, posts), make([]string, posts)
			post := func(i int) {
				statuses[i], answers[i] = fx.post(t, fmt.Sprintf("task-%d", i), tokens[i], fmt.Sprintf(`{"output":%d}`, i))
			}
			var wg sync.WaitGroup
			wg.Go(func() { post(0) })
			<-entered
			for i := 1; i < posts; i++ {
				wg.Go(func() { post(i) })
			}
			waitBatch(t, fx.c, posts-1)
			close(release)
			wg.Wait()

			if got, want := com.batchSizes(), []int{1, posts - 1}; !slices.Equal(got, want) {
				t.Fatalf("Commit batch sizes %v, want %v", got, want)
			}
			wantStatus, wantCalls := http.StatusOK, posts
			if tt.failSecond {
				wantStatus, wantCalls = http.StatusServiceUnavailable, 1
			}
			if statuses[0] != http.StatusOK {
				t.Errorf("task-0: %d %q, want 200", statuses[0], answers[0])
			}
			for i := 1; i < posts; i++ {
				if statuses[i] != wantStatus || (tt.failSecond && !strings.Contains(answers[i], "disk gone")) {
					t.Errorf("task-%d: %d %q, want %d", i, statuses[i], answers[i], wantStatus)
				}
			}
			if n := fx.onResultCalls(); n != wantCalls {
				t.Errorf("OnResult called %d times, want %d", n, wantCalls)
			}
			if !tt.failSecond {
				return
			}
			for i := 1; i < posts; i++ {
				if status, msg := fx.post(t, fmt.Sprintf("task-%d", i), tokens[i], fmt.Sprintf(`{"output":%d}`, i)); status != 200 {
					t.Errorf("task-%d posted again: %d %q, want 200", i, status, msg)
				}
			}
			if n := fx.onResultCalls(); n != posts {
				t.Errorf("OnResult called %d times after the retries, want %d", n, posts)
			}
			for i := range posts {
				if _, ok := com.result(fmt.Sprintf("task-%d", i)); !ok {
					t.Errorf("task-%d: result not committed", i)
				}
			}
		})
	}
}

// TestRepostWaitsForCommit: an identical re-post while the first post's
// Commit runs gets that Commit's outcome; a different one gets 409 at once.
func TestRepostWaitsForCommit(t *testing.T) {
	for _, fail := range []bool{false, true} {
		t.Run(fmt.Sprintf("commit fails %v", fail), func(t *testing.T) {
			entered, release := make(chan struct{}), make(chan struct{})
			com := &memCommitter{
				hold: func(n int) {
					if n == 1 {
						close(entered)
						<-release
					}
				},
				fail: func(n int) error {
					if fail && n == 1 {
						return errDiskGone
					}
					return nil
				},
			}
			fx := newFixture(t, Options{Committer: com})
			tok := fx.register(t, "task-1")
			var wg sync.WaitGroup
			var first, repost int
			wg.Go(func() { first, _ = fx.post(t, "task-1", tok, `{"output":1}`) })
			<-entered
			if status, msg := fx.post(t, "task-1", tok, `{"output":2}`); status != http.StatusConflict {
				t.Errorf("different post during the commit: %d %q, want 409", status, msg)
			}
			wg.Go(func() { repost, _ = fx.post(t, "task-1", tok, `{"output":1}`) })
			close(release)
			wg.Wait()
			want := http.StatusOK
			if fail {
				want = http.StatusServiceUnavailable
			}
			if first != want || (repost != want && repost != http.StatusOK) {
				t.Errorf("post %d, re-post %d; want %d", first, repost, want)
			}
			if status, msg := fx.post(t, "task-1", tok, `{"output":1}`); status != 200 {
				t.Errorf("post after the commit: %d %q, want 200", status, msg)
			}
			if n := fx.onResultCalls(); n != 1 {
				t.Errorf("OnResult called %d times, want 1", n)
			}
		})
	}
}

// TestForgetBeforeCommit: a result waiting for its commit when its attempt
// is forgotten is not committed, and its post (and an identical re-post
// waiting with it) gets 409; a result whose commit has begun is kept.
func TestForgetBeforeCommit(t *testing.T) {
	entered, release := make(chan struct{}), make(chan struct{})
	com := &memCommitter{hold: func(n int) {
		if n == 1 {
			close(entered)
			<-release
		}
	}}
	fx := newFixture(t, Options{Committer: com})
	tok1, tok2 := fx.register(t, "task-1"), fx.register(t, "task-2")
	var wg sync.WaitGroup
	var status1, status2 int
	var msg2 string
	wg.Go(func() { status1, _ = fx.post(t, "task-1", tok1, `{"output":1}`) })
	<-entered
	wg.Go(func() { status2, msg2 = fx.post(t, "task-2", tok2, `{"output":2}`) })
	waitBatch(t, fx.c, 1)
	fx.c.Forget("task-1") // its commit has begun
	fx.c.Forget("task-2") // its commit has not
	close(release)
	wg.Wait()
	if status1 != http.StatusOK {
		t.Errorf("task-1, forgotten during its commit: %d, want 200", status1)
	}
	if status2 != http.StatusConflict || !strings.Contains(msg2, "no longer current") {
		t.Errorf("task-2, forgotten before its commit: %d %q, want 409", status2, msg2)
	}
	if _, ok := com.result("task-2"); ok {
		t.Error("task-2's result was committed")
	}
	if got := com.batchSizes(); !slices.Equal(got, []int{1}) {
		t.Errorf("Commit batch sizes %v, want [1]", got)
	}
	if n := fx.onResultCalls(); n != 1 {
		t.Errorf("OnResult called %d times, want 1", n)
	}
}
