package state

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"syscall"
	"testing"
	"time"
)

// TestMain lets the test binary play the writer that TestKillWhileCommitting kills.
func TestMain(m *testing.M) {
	if dir := os.Getenv("STATE_CRASH_WRITER"); dir != "" {
		crashWriter(dir)
		return
	}
	os.Exit(m.Run())
}

// crashWriter commits one result per task, printing each seq once its
// commit has returned, until it is killed.
func crashWriter(dir string) {
	s, err := Open(dir, Options{})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	const n = 100000
	if err := s.CreateJob(Job{Name: "j", State: JobRunning}); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	plan := make([]Planned, n)
	for i := range plan {
		plan[i] = Planned{Seq: uint64(i), ID: strconv.Itoa(i), Spec: []byte("x")}
	}
	if err := s.AddPlan("j", plan); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	out := bufio.NewWriter(os.Stdout)
	for i := range n {
		s.Launched("j", uint64(i), Attempt{N: 1, TaskID: strconv.Itoa(i)})
		if _, err := s.CommitResults([]NewResult{{Job: "j", Seq: uint64(i), Result: Result{Attempt: 1, Output: json.RawMessage(strconv.Itoa(i))}}}); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		fmt.Fprintln(out, i)
		out.Flush()
	}
}

// TestKillWhileCommitting kills a process with SIGKILL in the middle of
// committing results: every result it was told is committed is there, and
// no task is half written.
func TestKillWhileCommitting(t *testing.T) {
	dir := t.TempDir()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), "STATE_CRASH_WRITER="+dir)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	sc := bufio.NewScanner(stdout)
	last := -1
	for sc.Scan() && last < 300 {
		last, _ = strconv.Atoi(sc.Text())
	}
	if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	for sc.Scan() { // lines written before the kill landed
		last, _ = strconv.Atoi(sc.Text())
	}
	_ = cmd.Wait()
	if last < 300 {
		t.Fatalf("writer committed only %d results before dying", last+1)
	}

	s, err := Open(dir, Options{LockTimeout: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	done := 0
	if _, err := s.Tasks("j", 0, 0, func(tk Task) error {
		if tk.Result != nil {
			done++
			if tk.State != TaskDone || len(tk.Attempts) != 1 || string(tk.Result.Output) != tk.ID {
				t.Errorf("task %d half written: %+v", tk.Seq, tk)
			}
		} else if int(tk.Seq) <= last {
			t.Errorf("task %d: result acknowledged before the kill is missing", tk.Seq)
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if done < last+1 {
		t.Errorf("%d results stored, want at least %d", done, last+1)
	}
}
