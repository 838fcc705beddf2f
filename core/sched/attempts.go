package sched

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/batchd/batchd/core"
)

// fitSlack absorbs float rounding when packing fractional cpus.
const fitSlack = 1e-9

// onOffers packs pending tasks into each offer first-fit in FIFO order,
// launches them and declines the offers nothing fitted.
func (s *Scheduler) onOffers(ctx context.Context, offers []core.Offer) {
	s.observeOffers(offers)
	var decline []string
	for _, o := range offers {
		if s.log.Enabled(ctx, slog.LevelDebug) {
			s.log.Debug("offer", "id", o.ID, "agent", o.AgentID, "cpus", o.CPUs, "mem", o.MemMB, "pending", len(s.st.pending))
		}
		if !s.launchOn(ctx, o) {
			decline = append(decline, o.ID)
		}
	}
	s.cfg.Observer.Offered(len(offers), len(decline))
	if len(decline) == 0 {
		return
	}
	s.log.Debug("declining offers", "offers", len(decline), "pending", len(s.st.pending), "refuse", s.cfg.Refuse)
	if err := s.cl.Decline(ctx, decline, s.cfg.Refuse); err != nil {
		s.log.Warn("declining offers", "offers", len(decline), "err", err)
	}
}

// prepFailure is a task whose Prepare failed in launchOn.
type prepFailure struct {
	t   *task
	err error
}

// launchOn launches what fits on o and reports whether it used o.
func (s *Scheduler) launchOn(ctx context.Context, o core.Offer) bool {
	cpus, mem, disk, gpus := o.CPUs, o.MemMB, o.DiskMB, o.GPUs
	// Filter pending in place; once the offer is used up the rest stays as
	// it is, so an offer costs the tasks it fits, not the whole queue.
	list := s.st.pending
	kept := list[:0]
	var (
		chosen   []*task
		launches []core.Launch
		failed   []prepFailure
	)
	for i, t := range list {
		if cpus <= fitSlack && mem <= fitSlack {
			kept = append(kept, list[i:]...)
			break
		}
		var pl core.Placement
		if t.Placement != nil {
			pl = *t.Placement
		}
		if t.CPUs > cpus+fitSlack || t.MemMB > mem+fitSlack || pl.DiskMB > disk+fitSlack || pl.GPUs > gpus+fitSlack ||
			!s.st.place.allows(t.Job, pl.Constraints, o) {
			kept = append(kept, t)
			continue
		}
		l, err := s.prepare(t, o.AgentID)
		if err != nil {
			failed = append(failed, prepFailure{t, err})
			continue
		}
		t.cur.placed = s.st.place.placed(t.Job, pl.Constraints, o)
		cpus -= t.CPUs
		mem -= t.MemMB
		disk -= pl.DiskMB
		gpus -= pl.GPUs
		chosen = append(chosen, t)
		launches = append(launches, l)
	}
	clear(list[len(kept):]) // no stale pointers past the end
	s.st.pending = kept
	for _, f := range failed { // fail may append to pending: after it is settled
		s.fail(f.t, ErrPrepare, "", f.err.Error())
	}
	if len(launches) == 0 {
		return false
	}
	err := s.cl.Launch(ctx, o.ID, launches)
	if errors.Is(err, core.ErrNotConnected) {
		// Nothing reached the engine: the attempts never happened.
		for _, t := range chosen {
			delete(s.st.byAttempt, t.cur.id)
			s.st.place.unplaced(t.Job, t.cur.placed)
			t.cur = nil
			t.attempts--
		}
		s.st.pending = append(chosen, s.st.pending...)
		return true
	}
	if err != nil {
		// The engine may or may not have the tasks: ask it. Nor may it have
		// the ACCEPT: decline the offer too, or a master without an offer
		// timeout keeps its resources offered to no one (a used offer's
		// decline is ignored).
		s.log.Warn("launching tasks; reconciling them", "offer", o.ID, "tasks", len(launches), "err", err)
		refs := make([]core.TaskRef, len(launches))
		for i, l := range launches {
			refs[i] = core.TaskRef{TaskID: l.TaskID, AgentID: l.AgentID}
		}
		if err := s.cl.Reconcile(ctx, refs); err != nil {
			s.log.Warn("reconciling tasks", "tasks", len(refs), "err", err)
		}
		if err := s.cl.Decline(ctx, []string{o.ID}, 0); err != nil {
			s.log.Warn("declining an offer whose ACCEPT failed", "offer", o.ID, "err", err)
		}
	}
	debug := s.log.Enabled(ctx, slog.LevelDebug) // per task: no arguments built for nothing
	for i, t := range chosen {
		if debug {
			s.log.Debug("launched", "key", t.Key, "task_id", launches[i].TaskID, "agent", o.AgentID)
		}
		if s.cfg.OnLaunch != nil {
			s.cfg.OnLaunch(t.Key, t.cur.n, launches[i])
		}
		s.cfg.Observer.Launched(t.Job)
	}
	return true
}

// prepare starts a new attempt of t on agentID and builds its launch.
func (s *Scheduler) prepare(t *task, agentID string) (core.Launch, error) {
	t.attempts++
	n := t.attempts
	var l core.Launch
	if t.Prepare != nil {
		var err error
		if l, err = t.Prepare(n); err != nil {
			return core.Launch{}, fmt.Errorf("preparing attempt %d of %s: %w", n, t.Key, err)
		}
	}
	l.TaskID = AttemptID(t.Key, n)
	l.AgentID = agentID
	l.CPUs, l.MemMB = t.CPUs, t.MemMB
	l.Placement = t.Placement
	if l.Name == "" {
		l.Name = t.Key
	}
	a := &attempt{id: l.TaskID, agentID: agentID, n: n, uris: l.URIs, launched: time.Now()}
	if t.Timeout > 0 {
		a.deadline = time.Now().Add(t.Timeout)
		s.st.due(a.deadline)
	}
	t.cur = a
	t.pendingSince = time.Time{}
	s.st.byAttempt[a.id] = t
	return l, nil
}

// onUpdate follows an attempt's status; updates for attempts not in flight are stale.
func (s *Scheduler) onUpdate(ctx context.Context, u core.Update) {
	t := s.st.byAttempt[u.TaskID]
	if t == nil {
		s.stray(ctx, u)
		return
	}
	a := t.cur
	if s.cfg.OnUpdate != nil {
		s.cfg.OnUpdate(t.Key, a.n, u)
	}
	if u.AgentID != "" {
		a.agentID = u.AgentID
	}
	if u.State.Terminal() && !a.launched.IsZero() {
		s.cfg.Observer.Ended(t.Job, u.State, time.Since(a.launched))
	}
	if a.resultIn && u.State.Terminal() {
		// The result is kept (durably, before the task got its answer):
		// however the attempt ended after posting it, the task is done.
		if u.State != core.TaskFinished {
			s.log.Info("attempt ended after reporting its result; keeping the result", "key", t.Key, "task_id", a.id, "state", u.State)
		}
		s.succeed(t)
		return
	}
	switch u.State {
	case core.TaskFinished:
		a.finished = true
		a.grace = time.Now().Add(s.cfg.ResultGrace)
		s.st.due(a.grace)
	case core.TaskKilled:
		if a.killReason != "" {
			s.fail(t, ErrTimedOut, u.State, a.killReason)
			return
		}
		s.fail(t, ErrTaskFailed, u.State, describe(u, a))
	case core.TaskFailed, core.TaskLost, core.TaskError, core.TaskDropped, core.TaskGone, core.TaskUnknown:
		// A launch on an offer the master had rescinded never ran.
		a.neverRan = u.Reason == reasonInvalidOffers
		s.fail(t, ErrTaskFailed, u.State, describe(u, a))
	}
}

// stray handles an update for an attempt not in flight: one that ended,
// was retried, or belongs to a job already done. One still starting or
// running is killed; its result, should it post one, is not counted.
func (s *Scheduler) stray(ctx context.Context, u core.Update) {
	switch u.State {
	case core.TaskStaging, core.TaskStarting, core.TaskRunning:
		if s.st.adopting {
			s.log.Debug("leaving an unknown task alone until the owner has resumed its tasks", "task_id", u.TaskID, "state", u.State)
			return
		}
		s.log.Info("killing a task that is no longer in flight", "task_id", u.TaskID, "agent", u.AgentID, "state", u.State)
		if err := s.cl.Kill(ctx, u.TaskID, u.AgentID); err != nil {
			s.log.Warn("killing a task that is no longer in flight", "task_id", u.TaskID, "err", err)
		}
	default:
		s.log.Debug("ignoring update for an attempt not in flight", "task_id", u.TaskID, "state", u.State)
	}
}

// reasonLaunchFailed is the reason of a container that did not start; Mesos
// sends it when the fetcher fails, with a message that names no URI ("Failed
// to fetch all URIs for container '…': exited with status 1").
const reasonLaunchFailed = "REASON_CONTAINER_LAUNCH_FAILED"

// reasonInvalidOffers is the reason of a task the master refused because
// its offer was no longer valid (rescinded, or taken back with its agent):
// TASK_LOST, or TASK_DROPPED to a partition-aware framework.
const reasonInvalidOffers = "REASON_INVALID_OFFERS"

// maxFreeRelaunches bounds the launches refused for invalid offers that
// are not charged to a task's retries, should a master refuse every one.
const maxFreeRelaunches = 100

// describe says what an update about attempt a reports beyond its state. A
// container that failed to launch names the attempt's URIs, unless the
// message already does: the agent may have failed to fetch any of them.
func describe(u core.Update, a *attempt) string {
	msg := u.Message
	if msg == "" {
		msg = "no message"
	}
	if u.Reason != "" {
		msg += " (" + u.Reason + ")"
	}
	if u.Reason != reasonLaunchFailed || len(a.uris) == 0 {
		return msg
	}
	if uris := redactURIs(a.uris); !slices.ContainsFunc(uris, func(uri string) bool { return strings.Contains(u.Message, uri) }) {
		msg += "; the task's URIs: " + strings.Join(uris, ", ")
	}
	return msg
}

// redactURIs returns the URIs' values without passwords.
func redactURIs(uris []core.URI) []string {
	out := make([]string, len(uris))
	for i, u := range uris {
		out[i] = u.Value
		if pu, err := url.Parse(u.Value); err == nil {
			out[i] = pu.Redacted()
		}
	}
	return out
}

// fail ends t's current attempt (or its preparation) and retries t if
// attempts remain, else reports it failed.
func (s *Scheduler) fail(t *task, kind error, st core.TaskState, msg string) {
	id := AttemptID(t.Key, t.attempts)
	freed := false
	if a := t.cur; a != nil {
		id = a.id
		delete(s.st.byAttempt, a.id)
		s.st.place.unplaced(t.Job, a.placed)
		t.cur = nil
		s.abandon(a.id)
		if a.neverRan && t.free < maxFreeRelaunches || a.resumed && lostWithBatchd(st) {
			// Launched on an offer the master had rescinded, or launched
			// before batchd restarted and gone since (an embedded cluster
			// dies with batchd): not the task's fault.
			t.free++
			freed = true
		}
	}
	if t.attempts-t.free <= t.Retries {
		pause := retryPause(t.Backoff, t.attempts-t.free)
		if freed {
			pause = 0 // not the task's failure: no reason to wait
		}
		s.cfg.Observer.Retried(t.Job)
		s.log.Info("attempt failed; retrying", "key", t.Key, "task_id", id, "attempt", t.attempts, "state", st, "msg", msg, "after", pause)
		if pause <= 0 {
			s.st.pending = append(s.st.pending, t)
			return
		}
		t.retryAt = time.Now().Add(pause)
		s.st.due(t.retryAt)
		s.st.backoff = append(s.st.backoff, t)
		return
	}
	what := msg
	if st != "" {
		what = string(st) + ": " + msg
	}
	s.finish(t, Outcome{
		Key: t.Key, TaskID: id, Attempts: t.attempts, State: st, Message: msg,
		Err: fmt.Errorf("%w: %s: attempt %d of %d: %s", kind, t.Key, t.attempts-t.free, t.Retries+1, what),
	})
}

// succeed ends t with its current attempt finished and its result in.
func (s *Scheduler) succeed(t *task) {
	id := t.cur.id
	delete(s.st.byAttempt, id)
	s.st.place.unplaced(t.Job, t.cur.placed)
	t.cur = nil
	s.finish(t, Outcome{Key: t.Key, TaskID: id, Attempts: t.attempts, State: core.TaskFinished})
}

func (s *Scheduler) finish(t *task, o Outcome) {
	delete(s.st.tasks, t.Key)
	s.st.outbox = append(s.st.outbox, o)
}

// lostWithBatchd reports whether a resumed attempt in state st vanished
// with the cluster rather than failed.
func lostWithBatchd(st core.TaskState) bool {
	switch st {
	case core.TaskLost, core.TaskGone, core.TaskUnknown, core.TaskDropped:
		return true
	}
	return false
}

// retryPause is the pause before the retry that follows the n-th charged
// attempt: base doubled n-1 times, at most MaxBackoff.
func retryPause(base time.Duration, n int) time.Duration {
	if base <= 0 {
		return 0
	}
	d := base
	for i := 1; i < n && d < MaxBackoff; i++ {
		d *= 2
	}
	return min(d, MaxBackoff)
}
