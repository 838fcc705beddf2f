package sched

import (
	"strconv"
	"strings"
	"time"

	"github.com/batchd/batchd/core"
)

// state is what the scheduler knows; only Run's goroutine touches it.
type state struct {
	tasks       map[string]*task // active tasks by key
	byAttempt   map[string]*task // tasks with an attempt in flight, by attempt id
	pending     []*task          // waiting for an offer, FIFO
	backoff     []*task          // failed, waiting for their retry's time (task.retryAt)
	outbox      []Outcome        // ended tasks not yet received from Done
	connected   bool
	suppressed  bool
	adopting    bool // strays are left alone until Adopted
	place       placements
	reconcileAt time.Time // next periodic reconciliation, while connected
	// wake is when Run next calls tick: no later than the earliest
	// deadline (due brings it forward as deadlines are set; tick recomputes
	// it), zero for none. An attempt ending early leaves it early: one tick
	// with nothing to do.
	wake time.Time

	// Offer fit (fit.go), kept while Config.OfferWait > 0.
	agentMax    map[string]capacity // the largest resources each agent could offer (fit.go)
	largest     capacity            // the largest offer seen, by cpus then memory
	fitCheck    time.Time           // next check of pending tasks' fit; zero for none
	unfit       bool                // the last check found a pending task no agent fits
	noFitWarned map[string]bool     // jobs warned about
}

// task is an active Task and its attempts.
type task struct {
	Task
	attempts int       // attempts started so far
	free     int       // of those, attempts lost with a restarted batchd: not charged to Retries
	retryAt  time.Time // while in backoff: when it goes back to pending
	cur      *attempt  // the attempt in flight, or nil while pending
	// pendingSince is when a fit check first found the task pending with
	// no agent able to run it; zero otherwise.
	pendingSince time.Time
}

// attempt is one launch of a task.
type attempt struct {
	id, agentID string
	placed      []fieldValue // its constrained fields' values, counted in state.place
	n           int
	deadline    time.Time // timeout; zero for none
	finished    bool      // TASK_FINISHED seen
	grace       time.Time // when a finished attempt without result fails
	resultIn    bool
	resumed     bool       // launched by an earlier run of batchd
	neverRan    bool       // refused by the master: its offer was no longer valid
	killReason  string     // set once the scheduler decided to kill
	killAt      time.Time  // when to repeat an unanswered kill
	uris        []core.URI // the launch's URIs (shared, not copied): named, redacted, when the agent cannot fetch them
	launched    time.Time  // when it was launched (an earlier run's launch for a resumed one); zero if unknown
}

func newState(adopting bool) state {
	return state{tasks: make(map[string]*task), byAttempt: make(map[string]*task), adopting: adopting,
		agentMax: make(map[string]capacity), noFitWarned: make(map[string]bool)}
}

// AttemptID names attempt n of the task with key; Mesos task ids may not
// contain '/'.
func AttemptID(key string, n int) string {
	return strings.ReplaceAll(key, "/", ".") + "." + strconv.Itoa(n)
}

// add makes t active: pending, or in flight when it resumes an attempt, in
// which case the attempt is returned for reconciliation.
func (st *state) add(t Task) (core.TaskRef, bool) {
	tk := &task{Task: t}
	st.tasks[t.Key] = tk
	r := t.Resume
	if r == nil || r.TaskID == "" {
		if r != nil {
			tk.attempts = r.Attempt
		}
		st.pending = append(st.pending, tk)
		return core.TaskRef{}, false
	}
	tk.attempts = max(r.Attempt, 1)
	tk.cur = &attempt{id: r.TaskID, agentID: r.AgentID, n: tk.attempts, resumed: true, launched: r.LaunchedAt}
	if t.Timeout > 0 && !r.LaunchedAt.IsZero() {
		tk.cur.deadline = r.LaunchedAt.Add(t.Timeout)
		st.due(tk.cur.deadline)
	}
	st.byAttempt[r.TaskID] = tk
	return core.TaskRef{TaskID: r.TaskID, AgentID: r.AgentID}, true
}

// inFlight lists the attempts in flight.
func (st *state) inFlight() []core.TaskRef {
	refs := make([]core.TaskRef, 0, len(st.byAttempt))
	for id, t := range st.byAttempt {
		refs = append(refs, core.TaskRef{TaskID: id, AgentID: t.cur.agentID})
	}
	return refs
}

// due brings wake forward to t.
func (st *state) due(t time.Time) {
	if !t.IsZero() && (st.wake.IsZero() || t.Before(st.wake)) {
		st.wake = t
	}
}

// nextDeadline is the earliest time tick has something to do.
func (st *state) nextDeadline() (time.Time, bool) {
	var next time.Time
	consider := func(t time.Time) {
		if !t.IsZero() && (next.IsZero() || t.Before(next)) {
			next = t
		}
	}
	if st.connected && len(st.byAttempt) > 0 {
		consider(st.reconcileAt)
	}
	for _, t := range st.backoff {
		consider(t.retryAt)
	}
	if len(st.pending) > 0 {
		consider(st.fitCheck)
	}
	for _, t := range st.byAttempt {
		a := t.cur
		switch {
		case a.finished && !a.resultIn:
			consider(a.grace)
		case a.finished:
		case a.killReason != "":
			consider(a.killAt)
		default:
			consider(a.deadline)
		}
	}
	return next, !next.IsZero()
}
