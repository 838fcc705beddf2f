package sched

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/batchd/batchd/core"
)

// Run runs the cluster engine and schedules until ctx ends or Close is
// called (it then returns nil) or the engine fails for good (its error).
// Run may be called once; it closes Done when it returns.
func (s *Scheduler) Run(ctx context.Context) error {
	defer close(s.done)
	ctx, cancel := context.WithCancel(ctx)
	events := make(chan core.Event)
	clDone := make(chan error, 1)
	go func() { clDone <- s.cl.Run(ctx, events) }()
	clReturned := false
	defer func() {
		cancel()
		if !clReturned {
			<-clDone
		}
	}()

	timer := time.NewTimer(time.Hour)
	timer.Stop()
	defer timer.Stop()
	var armed time.Time // what timer is set for; zero when stopped
	for {
		if w := s.st.wake; !w.Equal(armed) {
			if w.IsZero() {
				timer.Stop()
			} else {
				timer.Reset(time.Until(w))
			}
			armed = w
		}
		var out chan<- Outcome
		var head Outcome
		if len(s.st.outbox) > 0 {
			out, head = s.done, s.st.outbox[0]
		}
		select {
		case <-ctx.Done():
			return nil
		case <-s.closing:
			return nil
		case err := <-clDone:
			clReturned = true
			if err != nil {
				return fmt.Errorf("running cluster engine: %w", err)
			}
			return nil
		case ev := <-events:
			s.drain(ctx) // what was submitted before the event counts for it
			s.handle(ctx, ev)
		case <-s.wake:
			s.drain(ctx)
		case now := <-timer.C:
			armed = time.Time{}
			s.tick(ctx, now)
		case out <- head:
			s.st.outbox[0] = Outcome{}
			s.st.outbox = s.st.outbox[1:]
		}
		s.adjustOffers(ctx)
		s.armFitCheck()
	}
}

// handle acts on one engine event.
func (s *Scheduler) handle(ctx context.Context, ev core.Event) {
	switch {
	case ev.Subscribed != nil:
		s.st.connected = true
		s.st.suppressed = false // a (re)subscription starts with offers on
		if s.cfg.OnSubscribed != nil {
			s.cfg.OnSubscribed(ev.Subscribed.FrameworkID)
		}
		s.reconcile(ctx, time.Now())
	case ev.Offers != nil:
		s.onOffers(ctx, ev.Offers)
	case ev.Rescinded != "":
		// Offers are used or declined as soon as they arrive: nothing to forget.
	case ev.Update != nil:
		s.onUpdate(ctx, *ev.Update)
	case ev.Disconnected != nil:
		s.st.connected = false
		s.log.Warn("cluster disconnected; keeping tasks in flight", "err", ev.Disconnected)
	}
}

// drain takes submitted tasks and arrived results.
func (s *Scheduler) drain(ctx context.Context) {
	tasks, results, adopted := s.takeInbox()
	var resumed []core.TaskRef
	for _, t := range tasks {
		if _, dup := s.st.tasks[t.Key]; dup {
			s.log.Warn("ignoring task submitted twice", "key", t.Key)
			continue
		}
		if ref, ok := s.st.add(t); ok {
			resumed = append(resumed, ref)
		}
	}
	if len(resumed) > 0 && s.st.connected {
		if err := s.cl.Reconcile(ctx, resumed); err != nil {
			s.callFailed("reconciling resumed tasks", err, "tasks", len(resumed))
		}
	}
	if adopted && s.st.adopting {
		s.st.adopting = false
		if s.st.connected { // strays answer again, and are killed now
			if err := s.cl.Reconcile(ctx, nil); err != nil {
				s.callFailed("reconciling all tasks", err)
			}
		}
	}
	for _, id := range results {
		t := s.st.byAttempt[id]
		if t == nil {
			s.log.Debug("result for an attempt not in flight", "task_id", id)
			continue
		}
		t.cur.resultIn = true
		if t.cur.finished {
			s.succeed(t)
		}
	}
}

// adjustOffers suppresses offers when nothing is pending and revives them
// when something is.
func (s *Scheduler) adjustOffers(ctx context.Context) {
	if !s.st.connected {
		return
	}
	want := len(s.st.pending) > 0
	switch {
	case want && s.st.suppressed:
		if err := s.cl.Revive(ctx); err != nil {
			s.callFailed("reviving offers", err)
			return
		}
		s.st.suppressed = false
	case !want && !s.st.suppressed:
		if err := s.cl.Suppress(ctx); err != nil {
			s.callFailed("suppressing offers", err)
			return
		}
		s.st.suppressed = true
	}
}

// reconcile asks for the state of every attempt in flight (explicit
// reconciliation), then for every task the cluster runs for this framework
// (implicit): an attempt batchd no longer tracks that is still running (one
// reported lost and retried, which then turned up) is killed when its
// answer arrives (onUpdate), so it neither holds resources nor reports twice.
func (s *Scheduler) reconcile(ctx context.Context, now time.Time) {
	s.st.reconcileAt = now.Add(s.cfg.ReconcileEvery)
	s.st.due(s.st.reconcileAt)
	if refs := s.st.inFlight(); len(refs) > 0 {
		if err := s.cl.Reconcile(ctx, refs); err != nil {
			s.callFailed("reconciling tasks", err, "tasks", len(refs))
		}
	}
	if err := s.cl.Reconcile(ctx, nil); err != nil {
		s.callFailed("reconciling all tasks", err)
	}
}

// callFailed logs a cluster call that failed: a warning, or a debug line
// when the engine is not connected (or has torn its framework down, as a
// run does once its jobs are done), where the call had nothing to reach.
func (s *Scheduler) callFailed(msg string, err error, args ...any) {
	args = append(args, "err", err)
	if errors.Is(err, core.ErrNotConnected) {
		s.log.Debug(msg, args...)
		return
	}
	s.log.Warn(msg, args...)
}

// tick kills attempts past their timeout, fails finished attempts whose
// result did not arrive in time and reconciles periodically. It is the one
// place that scans every attempt for its deadlines (st.wake is only ever
// brought forward between ticks).
func (s *Scheduler) tick(ctx context.Context, now time.Time) {
	defer func() { s.st.wake, _ = s.st.nextDeadline() }()
	if s.st.connected && !now.Before(s.st.reconcileAt) {
		s.reconcile(ctx, now)
	}
	waiting := s.st.backoff[:0]
	for _, t := range s.st.backoff {
		if now.Before(t.retryAt) {
			waiting = append(waiting, t)
			continue
		}
		t.retryAt = time.Time{}
		s.st.pending = append(s.st.pending, t)
	}
	clear(s.st.backoff[len(waiting):])
	s.st.backoff = waiting
	if !s.st.fitCheck.IsZero() && !now.Before(s.st.fitCheck) {
		s.checkFit(now)
	}
	for _, t := range s.st.byAttempt {
		a := t.cur
		switch {
		case a.finished && !a.resultIn && !now.Before(a.grace):
			s.fail(t, ErrNoResult, core.TaskFinished, "finished without reporting a result")
		case !a.finished && a.killReason == "" && !a.deadline.IsZero() && !now.Before(a.deadline):
			a.killReason = fmt.Sprintf("timed out after %s", t.Timeout)
			s.abandon(a.id)
			s.kill(ctx, t, now)
		case a.killReason != "" && !a.finished && !now.Before(a.killAt):
			s.kill(ctx, t, now)
		}
	}
}

func (s *Scheduler) kill(ctx context.Context, t *task, now time.Time) {
	a := t.cur
	a.killAt = now.Add(s.cfg.KillRetry)
	s.st.due(a.killAt)
	s.log.Info("killing task", "key", t.Key, "task_id", a.id, "reason", a.killReason)
	if err := s.cl.Kill(ctx, a.id, a.agentID); err != nil && !errors.Is(err, context.Canceled) {
		s.log.Warn("killing task", "task_id", a.id, "err", err)
	}
}

// abandon tells the owner an attempt's result no longer counts.
func (s *Scheduler) abandon(taskID string) {
	if s.cfg.OnAbandon != nil {
		s.cfg.OnAbandon(taskID)
	}
}
