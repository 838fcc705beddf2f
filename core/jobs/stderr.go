package jobs

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"time"
	"unicode"

	"github.com/batchd/batchd/core"
)

// The last lines of a failed attempt's stderr. When an attempt ends other
// than FINISHED, the runner asks the cluster (core.SandboxReader, when the
// engine has it) for the end of the task's stderr, off the scheduler's
// goroutine: a queue drained by a few workers, each read bounded in time.
// The lines go to the attempt's record in the store; a read that fails
// leaves it without them.

const (
	// stderrBytes is how much of the end of stderr is read.
	stderrBytes = 4096
	// stderrLines is how many of its last lines are kept.
	stderrLines = 20
	// stderrWorkers read at once; stderrQueue more wait (further ones are dropped).
	stderrWorkers = 2
	stderrQueue   = 256
	// stderrTimeout bounds one read.
	stderrTimeout = 2 * time.Second
)

// stderrFetch is one attempt whose stderr is wanted.
type stderrFetch struct {
	job           string
	seq           uint64
	n             int
	taskID, agent string
	st            *taskState    // to hand the lines to the job's failure report
	done          chan struct{} // closed once the lines are in st (or the read failed)
}

// queueStderr asks for the end of the attempt's stderr, without blocking.
func (r *Runner) queueStderr(st *taskState, n int, u core.Update) {
	if r.sandbox == nil {
		return
	}
	r.mu.Lock()
	st.stderr, st.stderrDone = "", nil // an earlier attempt's are not this one's
	r.mu.Unlock()
	if u.AgentID == "" {
		return // never reached an agent
	}
	f := stderrFetch{job: st.job.spec.Name, seq: st.seq, n: n, taskID: u.TaskID, agent: u.AgentID, st: st, done: make(chan struct{})}
	r.mu.Lock()
	st.stderrDone = f.done
	r.mu.Unlock()
	select {
	case r.stderrQ <- f:
	default:
		close(f.done)
		r.cfg.Log.Debug("too many stderr reads waiting; skipping", "task", u.TaskID)
	}
}

// readStderr runs the stderr workers until ctx ends and waits for them.
func (r *Runner) readStderr(ctx context.Context) {
	if r.sandbox == nil {
		return
	}
	var wg sync.WaitGroup
	for range stderrWorkers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				select {
				case <-ctx.Done():
					return
				case f := <-r.stderrQ:
					r.fetchStderr(ctx, f)
				}
			}
		}()
	}
	wg.Wait()
}

func (r *Runner) fetchStderr(ctx context.Context, f stderrFetch) {
	defer close(f.done)
	ctx, cancel := context.WithTimeout(ctx, stderrTimeout)
	defer cancel()
	data, err := r.sandbox.ReadTail(ctx, f.taskID, f.agent, "stderr", stderrBytes)
	if err != nil {
		r.cfg.Log.Debug("reading a failed attempt's stderr", "task", f.taskID, "agent", f.agent, "err", err)
		return
	}
	text := tailLines(data, len(data) >= stderrBytes, stderrLines)
	if text == "" {
		return
	}
	r.cfg.State.Stderr(f.job, f.seq, f.n, text)
	r.mu.Lock()
	if f.st.stderrDone == f.done { // still the task's last failed attempt
		f.st.stderr = text
	}
	r.mu.Unlock()
}

// firstStderr waits, up to the read's own bound, for the stderr of the
// task's last failed attempt, for the job's first failures.
func (r *Runner) firstStderr(ctx context.Context, st *taskState) string {
	r.mu.Lock()
	done := st.stderrDone
	r.mu.Unlock()
	if done == nil {
		return ""
	}
	t := time.NewTimer(stderrTimeout + time.Second)
	defer t.Stop()
	select {
	case <-done:
	case <-t.C:
	case <-ctx.Done():
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	return st.stderr
}

// withStderr adds the stderr lines to a task's failure.
func withStderr(err error, stderr string) error {
	if stderr == "" {
		return err
	}
	return fmt.Errorf("%w; its stderr ends:\n%s", err, stderr)
}

// tailLines keeps the last max lines of b, dropping the first one when it
// may have been cut (cut: b is the end of a longer file), as valid UTF-8
// with control characters escaped (\x1b, \r...), joined by newlines.
func tailLines(b []byte, cut bool, max int) string {
	s := strings.TrimRight(string(b), "\n")
	lines := strings.Split(s, "\n")
	if cut && len(lines) > 1 {
		lines = lines[1:]
	}
	if len(lines) > max {
		lines = lines[len(lines)-max:]
	}
	for i, l := range lines {
		lines[i] = escapeControls(strings.ToValidUTF8(l, "\uFFFD"))
	}
	out := strings.Join(lines, "\n")
	if strings.TrimSpace(out) == "" {
		return ""
	}
	return out
}

// escapeControls writes each control character of s as a Go escape.
func escapeControls(s string) string {
	if strings.IndexFunc(s, unicode.IsControl) < 0 {
		return s
	}
	var b strings.Builder
	for _, c := range s {
		if !unicode.IsControl(c) {
			b.WriteRune(c)
			continue
		}
		q := fmt.Sprintf("%+q", string(c)) // "\x1b", "\r", "\u0085"
		b.WriteString(q[1 : len(q)-1])
	}
	return b.String()
}
