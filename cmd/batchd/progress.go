package main

import (
	"fmt"
	"sync"
	"time"

	"github.com/batchd/batchd/core/state"
)

// A run's progress on stderr: the job runner's OnTasks hook, which also
// feeds the metrics, tells a progress tracker how many of each job's tasks
// are done, failed and running; a live line per job on a terminal
// (terminal.go) or a log line every few seconds elsewhere (logProgress)
// shows it with the rate and the time left.

// progressRateWindow is how far back the rate looks: long enough to smooth
// bursts, short enough to follow a job that speeds up or slows down.
const progressRateWindow = 30 * time.Second

// tasksHook is the job runner's OnTasks hook.
type tasksHook func(job string, from, to state.TaskState, n int)

// fanOut returns a hook telling every one of hooks each move.
func fanOut(hooks ...tasksHook) tasksHook {
	return func(job string, from, to state.TaskState, n int) {
		for _, h := range hooks {
			h(job, from, to, n)
		}
	}
}

// progress counts each job's tasks by state. It is safe for concurrent use.
type progress struct {
	mu   sync.Mutex
	jobs []*jobProgress // in the order they were first counted
	by   map[string]*jobProgress
}

// jobProgress is one job's counts and the samples its rate is taken from.
type jobProgress struct {
	name                         string
	total, done, failed, running int
	// samples are (time, settled tasks) pairs, the first taken when the
	// job's first task of this run was launched: tasks a resumed job had
	// settled before are not counted in its rate.
	samples []sample
	// ended is the status when the last task settled: its rate stays.
	ended *jobLine
}

type sample struct {
	at      time.Time
	settled int
}

// jobLine is a job's progress at one moment.
type jobLine struct {
	Name                         string
	Total, Done, Failed, Running int
	Rate                         float64       // tasks settled per second; 0 when not known yet
	ETA                          time.Duration // until every task is settled; -1 when not known
}

func newProgress() *progress { return &progress{by: map[string]*jobProgress{}} }

// moved is the runner's OnTasks hook: n of job's tasks moved from one
// state to another (from is "" when a job's planned tasks are counted).
// It never blocks.
func (p *progress) moved(job string, from, to state.TaskState, n int) {
	p.movedAt(time.Now(), job, from, to, n)
}

func (p *progress) movedAt(now time.Time, job string, from, to state.TaskState, n int) {
	p.mu.Lock()
	defer p.mu.Unlock()
	j := p.by[job]
	if j == nil {
		j = &jobProgress{name: job}
		p.by[job] = j
		p.jobs = append(p.jobs, j)
	}
	if from == "" {
		j.total += n
	}
	j.count(from, -n)
	j.count(to, n)
	if to == state.TaskRunning && len(j.samples) == 0 {
		j.samples = append(j.samples, sample{now, j.done + j.failed})
	}
}

// count adds n to the count of st (pending tasks are not counted: they are
// the rest of the total).
func (j *jobProgress) count(st state.TaskState, n int) {
	switch st {
	case state.TaskDone:
		j.done += n
	case state.TaskFailed:
		j.failed += n
	case state.TaskRunning:
		j.running += n
	}
}

// snapshot returns every job's status at now, and takes a rate sample.
func (p *progress) snapshot(now time.Time) []jobLine {
	p.mu.Lock()
	defer p.mu.Unlock()
	out := make([]jobLine, len(p.jobs))
	for i, j := range p.jobs {
		out[i] = j.status(now)
	}
	return out
}

func (j *jobProgress) status(now time.Time) jobLine {
	s := jobLine{Name: j.name, Total: j.total, Done: j.done, Failed: j.failed, Running: j.running, ETA: -1}
	settled := j.done + j.failed
	if j.ended != nil && settled >= j.total {
		e := *j.ended
		e.Total, e.Done, e.Failed, e.Running = s.Total, s.Done, s.Failed, s.Running
		return e
	}
	if len(j.samples) == 0 {
		if settled >= j.total {
			s.ETA = 0
		}
		return s
	}
	if last := j.samples[len(j.samples)-1]; now.Sub(last.at) >= time.Second {
		j.samples = append(j.samples, sample{now, settled})
	}
	// Keep one sample at or before the window's start.
	for len(j.samples) > 2 && now.Sub(j.samples[1].at) >= progressRateWindow {
		j.samples = j.samples[1:]
	}
	first := j.samples[0]
	if d := now.Sub(first.at); d >= 500*time.Millisecond && settled > first.settled {
		s.Rate = float64(settled-first.settled) / d.Seconds()
	}
	switch left := j.total - settled; {
	case left <= 0:
		s.ETA = 0
		j.ended = &s
	case s.Rate > 0:
		s.ETA = time.Duration(float64(left) / s.Rate * float64(time.Second))
	}
	return s
}

// counts is the status's done/total, with its failures.
func (s jobLine) counts() string {
	return fmt.Sprintf("%d/%d tasks, %d failed", s.Done+s.Failed, s.Total, s.Failed)
}

// rateText is the rate, in tasks per second.
func (s jobLine) rateText() string {
	switch {
	case s.Rate == 0:
		return "-/s"
	case s.Rate < 10:
		return fmt.Sprintf("%.1f/s", s.Rate)
	}
	return fmt.Sprintf("%.0f/s", s.Rate)
}

// etaText is the time left, to the second.
func (s jobLine) etaText() string {
	switch {
	case s.ETA < 0:
		return "-"
	case s.ETA == 0 && s.Done+s.Failed >= s.Total:
		return "done"
	}
	return max(s.ETA.Round(time.Second), time.Second).String()
}

// line is the status as one line of text.
func (s jobLine) line() string {
	return fmt.Sprintf("%s  %s  ETA %s", s.counts(), s.rateText(), s.etaText())
}
