package collector

import (
	"bytes"
	"errors"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
)

// durableSyncer records, at each successful fsync, how many bytes of the
// log it made durable: the file's size before the fsync started (records
// written later may or may not be covered, so they do not count).
type durableSyncer struct {
	f       *os.File
	durable atomic.Int64
	syncs   atomic.Int64
}

func (s *durableSyncer) Sync() error {
	fi, err := s.f.Stat()
	if err != nil {
		return err
	}
	if err := s.f.Sync(); err != nil {
		return err
	}
	s.syncs.Add(1)
	s.durable.Store(fi.Size())
	return nil
}

// TestAnswerFollowsFsync posts from many concurrent clients over HTTP and
// checks, at every 200, that the task's result lies in the part of the log
// an fsync has covered; and that the posts shared fsyncs.
func TestAnswerFollowsFsync(t *testing.T) {
	dir := t.TempDir()
	fx := newFixture(t, dir, Options{})
	ds := &durableSyncer{f: fx.c.f}
	fx.c.syncer = ds // before any post: the committer reads it after a wake-up
	const clients, perClient = 16, 8
	tokens := map[string]string{}
	for i := range clients * perClient {
		id := fmt.Sprintf("task-%d", i)
		tokens[id] = fx.register(t, id)
	}
	var wg sync.WaitGroup
	for c := range clients {
		wg.Go(func() {
			for k := range perClient {
				id := fmt.Sprintf("task-%d", c*perClient+k)
				resp, msg := fx.do(t, request{
					path: "/v1/results/" + id, auth: "Bearer " + tokens[id], ctype: jsonCT,
					body: fmt.Sprintf(`{"output":%d}`, c*perClient+k),
				})
				if resp.StatusCode != http.StatusOK {
					t.Errorf("%s: status %d %s", id, resp.StatusCode, msg)
					return
				}
				durable := ds.durable.Load()
				data, err := os.ReadFile(filepath.Join(dir, "results.jsonl"))
				if err != nil {
					t.Error(err)
					return
				}
				line := fmt.Appendf(nil, `{"type":"result","task_id":%q`, id)
				at := bytes.Index(data, line)
				if at < 0 || int64(at+len(line)) > durable {
					t.Errorf("%s answered 200 with its result at offset %d, beyond the %d bytes fsync'd", id, at, durable)
				}
			}
		})
	}
	wg.Wait()
	t.Logf("%d results, %d fsyncs", clients*perClient, ds.syncs.Load())
	if n := ds.syncs.Load(); n == 0 || n > clients*perClient {
		t.Errorf("%d fsyncs for %d results", n, clients*perClient)
	}
}

// failingSyncer fails every fsync.
type failingSyncer struct{ calls atomic.Int64 }

var errDiskGone = errors.New("disk gone")

func (s *failingSyncer) Sync() error {
	s.calls.Add(1)
	return errDiskGone
}

// TestFsyncErrorReachesEveryWaiter makes the fsync fail under concurrent
// posts: none of them is answered 200, OnResult never runs, and the
// collector then refuses registrations as broken.
func TestFsyncErrorReachesEveryWaiter(t *testing.T) {
	fx := newFixture(t, t.TempDir(), Options{})
	fs := &failingSyncer{}
	fx.c.syncer = fs
	const tasks = 16
	tokens := make([]string, tasks)
	for i := range tasks {
		tokens[i] = fx.register(t, fmt.Sprintf("task-%d", i))
	}
	statuses := make([]int, tasks)
	var wg sync.WaitGroup
	for i := range tasks {
		wg.Go(func() {
			resp, _ := fx.do(t, request{
				path: fmt.Sprintf("/v1/results/task-%d", i), auth: "Bearer " + tokens[i], ctype: jsonCT, body: `{"output":1}`,
			})
			statuses[i] = resp.StatusCode
		})
	}
	wg.Wait()
	for i, s := range statuses {
		if s != http.StatusInternalServerError {
			t.Errorf("task-%d: status %d, want 500", i, s)
		}
	}
	if n := fx.onResultCalls(); n != 0 {
		t.Errorf("OnResult called %d times for results never made durable", n)
	}
	if n := fs.calls.Load(); n != 1 {
		t.Errorf("%d fsyncs tried, want 1: a broken log is not synced again", n)
	}
	if _, ok := fx.c.Result("task-0"); ok {
		t.Error("Result reports a result whose fsync failed")
	}
	if _, err := fx.c.Register("late"); !errors.Is(err, ErrBroken) {
		t.Errorf("Register after a failed fsync = %v, want ErrBroken", err)
	}
}
