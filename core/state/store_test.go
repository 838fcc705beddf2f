package state

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	bolt "go.etcd.io/bbolt"
)

func open(t *testing.T, dir string) *Store {
	t.Helper()
	s, err := Open(dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// newJob stores a job with n planned tasks named t0, t1, ….
func newJob(t *testing.T, s *Store, name string, n int) {
	t.Helper()
	if err := s.CreateJob(Job{Name: name, Digest: "d1", State: JobPlanning, Created: time.Now()}); err != nil {
		t.Fatal(err)
	}
	var plan []Planned
	for i := range n {
		plan = append(plan, Planned{Seq: uint64(i), ID: fmt.Sprintf("t%d", i), Label: fmt.Sprint(i), Spec: []byte(fmt.Sprintf("spec %d", i))})
	}
	if err := s.AddPlan(name, plan); err != nil {
		t.Fatal(err)
	}
}

func TestReopenKeepsEverything(t *testing.T) {
	dir := t.TempDir()
	s, err := Open(dir, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.SetFrameworkID("fw-1"); err != nil {
		t.Fatal(err)
	}
	if err := s.SetServer("127.0.0.1:4040", []byte("key")); err != nil {
		t.Fatal(err)
	}
	newJob(t, s, "sum", 3)
	s.Launched("sum", 1, Attempt{N: 1, TaskID: "sum.t1.1", Agent: "a1", Start: time.Now()})
	s.Updated("sum", 1, 1, "", "TASK_RUNNING", "", "", time.Time{})
	kept, err := s.CommitResults([]NewResult{{Job: "sum", Seq: 1, Result: Result{Attempt: 1, Output: json.RawMessage(`{"sum":"6"}`), Display: "sum of 1 2 3 = 6"}}})
	if err != nil || !kept[0] {
		t.Fatalf("commit: kept %v, err %v", kept, err)
	}
	s.Launched("sum", 2, Attempt{N: 1, TaskID: "sum.t2.1", Agent: "a1", Start: time.Now()})
	s.Updated("sum", 2, 1, "", "TASK_FAILED", "", "exit 1", time.Now())
	s.Stderr("sum", 2, 1, "oops")
	s.Stderr("sum", 2, 7, "no such attempt")
	s.Failed("sum", 2, "exit 1")
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}

	s = open(t, dir)
	m, err := s.Meta()
	if err != nil {
		t.Fatal(err)
	}
	if m.FrameworkID != "fw-1" || m.Listen != "127.0.0.1:4040" || string(m.TokenKey) != "key" {
		t.Errorf("meta = %+v", m)
	}
	var got []string
	if _, err := s.Tasks("sum", 0, 0, func(tk Task) error {
		line := fmt.Sprintf("%d %s %s attempts=%d result=%v err=%q", tk.Seq, tk.ID, tk.State, len(tk.Attempts), tk.Result != nil, tk.Error)
		for _, a := range tk.Attempts {
			line += fmt.Sprintf(" %d:%s:%q", a.N, a.State, a.Stderr)
		}
		got = append(got, line)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	want := []string{
		`0 t0 pending attempts=0 result=false err=""`,
		`1 t1 done attempts=1 result=true err="" 1:TASK_RUNNING:""`,
		`2 t2 failed attempts=1 result=false err="exit 1" 1:TASK_FAILED:"oops"`,
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("tasks:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	specs, err := s.Specs("sum", []uint64{2, 0})
	if err != nil || string(specs[0]) != "spec 2" || string(specs[1]) != "spec 0" {
		t.Errorf("specs = %q, %v", specs, err)
	}
	j, err := s.Job("sum")
	if err != nil || j.Results != 1 {
		t.Errorf("job = %+v, %v", j, err)
	}
}

func TestFirstResultIsKept(t *testing.T) {
	s := open(t, t.TempDir())
	newJob(t, s, "j", 2)
	r := func(out string) NewResult {
		return NewResult{Job: "j", Seq: 0, Result: Result{Attempt: 1, Output: json.RawMessage(out)}}
	}
	kept, err := s.CommitResults([]NewResult{r(`1`), r(`2`), {Job: "gone", Seq: 0}})
	if err != nil {
		t.Fatal(err)
	}
	if want := []bool{true, false, false}; fmt.Sprint(kept) != fmt.Sprint(want) {
		t.Errorf("kept = %v, want %v", kept, want)
	}
	res, err := s.Results("j")
	if err != nil || len(res) != 1 || string(res[0].Result.Output) != "1" || res[0].Result.Order != 1 {
		t.Errorf("results = %+v, %v", res, err)
	}
}

func TestCreateJobDiscardsTheOld(t *testing.T) {
	s := open(t, t.TempDir())
	newJob(t, s, "j", 5)
	if _, err := s.CommitResults([]NewResult{{Job: "j", Seq: 3, Result: Result{Output: json.RawMessage(`3`)}}}); err != nil {
		t.Fatal(err)
	}
	newJob(t, s, "j", 2)
	n := 0
	if _, err := s.Tasks("j", 0, 0, func(tk Task) error {
		n++
		if tk.Result != nil {
			t.Errorf("task %d kept an old result", tk.Seq)
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if n != 2 {
		t.Errorf("tasks = %d, want 2", n)
	}
	if _, err := s.Job("gone"); !errors.Is(err, ErrNotFound) {
		t.Errorf("unknown job: err = %v, want ErrNotFound", err)
	}
}

func TestTasksPages(t *testing.T) {
	s := open(t, t.TempDir())
	newJob(t, s, "j", 10)
	var seen []uint64
	var next uint64
	for {
		n := 0
		var err error
		next, err = s.Tasks("j", next, 4, func(tk Task) error { seen = append(seen, tk.Seq); n++; return nil })
		if err != nil {
			t.Fatal(err)
		}
		if n == 0 {
			break
		}
	}
	if fmt.Sprint(seen) != "[0 1 2 3 4 5 6 7 8 9]" {
		t.Errorf("seen %v", seen)
	}
}

func TestOpenRefuses(t *testing.T) {
	t.Run("newer format", func(t *testing.T) {
		dir := t.TempDir()
		s := open(t, dir)
		s.Close()
		db, err := bolt.Open(filepath.Join(dir, FileName), 0o600, nil)
		if err != nil {
			t.Fatal(err)
		}
		if err := db.Update(func(tx *bolt.Tx) error { return tx.Bucket(bucketMeta).Put(keyVersion, []byte("99")) }); err != nil {
			t.Fatal(err)
		}
		db.Close()
		_, err = Open(dir, Options{})
		if !errors.Is(err, ErrNewer) || !strings.Contains(err.Error(), "format 99") {
			t.Errorf("err = %v, want ErrNewer naming format 99", err)
		}
	})
	t.Run("locked", func(t *testing.T) {
		dir := t.TempDir()
		open(t, dir)
		_, err := Open(dir, Options{LockTimeout: 50 * time.Millisecond})
		if !errors.Is(err, ErrLocked) || !strings.Contains(err.Error(), filepath.Join(dir, FileName)) {
			t.Errorf("err = %v, want ErrLocked naming the file", err)
		}
	})
	t.Run("read-only missing", func(t *testing.T) {
		_, err := Open(t.TempDir(), Options{ReadOnly: true})
		if !errors.Is(err, os.ErrNotExist) {
			t.Errorf("err = %v, want not exist", err)
		}
	})
}

// TestConcurrentCommits has many goroutines commit at once: every result
// is stored once, with distinct orders.
func TestConcurrentCommits(t *testing.T) {
	s := open(t, t.TempDir())
	const n = 200
	newJob(t, s, "j", n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			s.Launched("j", uint64(i), Attempt{N: 1, TaskID: fmt.Sprint(i)})
			if _, err := s.CommitResults([]NewResult{{Job: "j", Seq: uint64(i), Result: Result{Output: json.RawMessage("1")}}}); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	res, err := s.Results("j")
	if err != nil {
		t.Fatal(err)
	}
	orders := map[uint64]bool{}
	for _, r := range res {
		orders[r.Result.Order] = true
	}
	if len(res) != n || len(orders) != n {
		t.Errorf("results %d, distinct orders %d, want %d", len(res), len(orders), n)
	}
}

// TestAsyncWritesRideWithTheNextCommit: launches and updates nobody waits
// for do not cost a commit each. Queued before a result, they commit in the
// result's transaction; with no result coming, they commit on their own.
func TestAsyncWritesRideWithTheNextCommit(t *testing.T) {
	s := open(t, t.TempDir())
	newJob(t, s, "j", 3)
	commits := func() int {
		s.w.mu.Lock()
		defer s.w.mu.Unlock()
		return s.w.commits
	}

	s.w.mu.Lock()
	s.w.delay = time.Hour // only the result can commit them
	s.w.mu.Unlock()
	before := commits()
	for i := range 3 {
		s.Launched("j", uint64(i), Attempt{N: 1, TaskID: fmt.Sprintf("j.t%d.1", i), Agent: "a1"})
	}
	s.Updated("j", 0, 1, "a1", "TASK_FINISHED", "", "", time.Now())
	if _, err := s.CommitResults([]NewResult{{Job: "j", Seq: 0, Result: Result{Attempt: 1, Output: json.RawMessage(`1`)}}}); err != nil {
		t.Fatal(err)
	}
	if n := commits() - before; n != 1 {
		t.Errorf("3 launches, an update and a result took %d commits, want 1", n)
	}
	running := 0
	if _, err := s.Tasks("j", 0, 10, func(task Task) error {
		if len(task.Attempts) == 1 {
			running++
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if running != 3 {
		t.Errorf("%d of 3 launches are in the store once the result committed", running)
	}

	s.w.mu.Lock()
	s.w.delay = time.Millisecond
	s.w.mu.Unlock()
	s.Updated("j", 1, 1, "a1", "TASK_FAILED", "REASON_COMMAND_EXECUTOR_FAILED", "exit 1", time.Now())
	deadline := time.Now().Add(10 * time.Second)
	for {
		var state string
		if _, err := s.Tasks("j", 1, 1, func(task Task) error {
			state = task.Attempts[0].State
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		if state == "TASK_FAILED" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("an update with no result after it was not committed in 10 s (state %q)", state)
		}
		time.Sleep(5 * time.Millisecond)
	}
}
