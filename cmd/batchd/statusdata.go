package main

import (
	"slices"
	"strings"
	"time"

	"github.com/batchd/batchd/core/state"
)

// What the status page shows of the store, as GET /v1/status returns it
// (statuspage.go). It is computed from the store on each request, one
// page of tasks per read transaction; a job that ended is computed once.

// statusSnapshot is the whole page.
type statusSnapshot struct {
	Now  time.Time   `json:"now"`
	Jobs []jobStatus `json:"jobs"`
}

// jobStatus is one stored job: this run's or a past run's.
type jobStatus struct {
	Name    string         `json:"name"`
	State   state.JobState `json:"state"`
	Tasks   int            `json:"tasks"`
	Counts  taskCounts     `json:"counts"`
	Created time.Time      `json:"created"`
	Ended   time.Time      `json:"ended,omitzero"`
	Summary string         `json:"summary,omitempty"`
	Error   string         `json:"error,omitempty"`
	// Rate is tasks ended per second: over the last rateWindow while the
	// job runs, over its whole life once it ended. ETA is the seconds
	// left at that rate; -1 when unknown.
	Rate float64 `json:"rate"`
	ETA  float64 `json:"eta_seconds"`
	// Timeline is how many tasks had ended at instants from Created on.
	Timeline []timePoint `json:"timeline"`
	// Failed lists the first failed tasks of FailedTotal, Slowest the
	// tasks whose last attempt ran (or has been running) longest.
	Failed      []taskStatus     `json:"failed"`
	FailedTotal int              `json:"failed_total"`
	Slowest     []taskStatus     `json:"slowest"`
	Artifacts   []artifactStatus `json:"artifacts"`
	// ArtifactsTotal counts the job's distinct artifacts; Artifacts holds
	// the first maxArtifacts.
	ArtifactsTotal int `json:"artifacts_total"`
}

// taskCounts counts a job's tasks by state.
type taskCounts struct {
	Pending int `json:"pending"`
	Running int `json:"running"`
	Done    int `json:"done"`
	Failed  int `json:"failed"`
}

// timePoint is Ended tasks ended at T seconds after the job was created.
type timePoint struct {
	T     float64 `json:"t"`
	Ended int     `json:"ended"`
}

// taskStatus is one task in the failed or slowest lists.
type taskStatus struct {
	ID       string          `json:"id"`
	Label    string          `json:"label,omitempty"`
	State    state.TaskState `json:"state"`
	Attempts int             `json:"attempts"`
	Seconds  float64         `json:"seconds"`
	Error    string          `json:"error,omitempty"`
	// Stderr is the last stderrLines lines the agent kept of the latest
	// attempt that has any (kept for attempts that did not finish).
	Stderr string `json:"stderr,omitempty"`
}

const (
	rateWindow   = time.Minute
	maxFailed    = 10
	maxSlowest   = 5
	stderrLines  = 8
	timelineBins = 60
)

// jobStatusOf reads job j's tasks from db and summarises them at now.
func jobStatusOf(db *state.Store, j state.Job, now time.Time) (jobStatus, error) {
	s := jobStatus{
		Name: j.Name, State: j.State, Tasks: j.Tasks, Created: j.Created, Ended: j.Ended,
		Summary: j.Summary, Error: j.Error, ETA: -1,
		Failed: []taskStatus{}, Slowest: []taskStatus{}, Timeline: []timePoint{},
	}
	var ends []time.Time // when each ended task ended
	for from := uint64(0); ; {
		n := 0
		next, err := db.Tasks(j.Name, from, storePage, func(t state.Task) error {
			n++
			if end, ok := s.count(t, now); ok {
				ends = append(ends, end)
			}
			return nil
		})
		if err != nil {
			return s, err
		}
		if n < storePage {
			break
		}
		from = next
	}
	s.Tasks = max(s.Tasks, s.Counts.Pending+s.Counts.Running+s.Counts.Done+s.Counts.Failed)
	slices.SortFunc(ends, func(a, b time.Time) int { return a.Compare(b) })
	end := now
	if !j.Ended.IsZero() {
		end = j.Ended
	}
	s.Timeline = timeline(ends, j.Created, end)
	s.rate(ends, now)
	return s, nil
}

// count adds t to s's counts and lists, and returns when t ended if it has.
func (s *jobStatus) count(t state.Task, now time.Time) (time.Time, bool) {
	var ended time.Time
	switch t.State {
	case state.TaskPending:
		s.Counts.Pending++
	case state.TaskRunning:
		s.Counts.Running++
	case state.TaskDone:
		s.Counts.Done++
		ended = t.Result.Received
	case state.TaskFailed:
		s.Counts.Failed++
		if n := len(t.Attempts); n > 0 {
			ended = t.Attempts[n-1].End
		}
		if s.FailedTotal++; len(s.Failed) < maxFailed {
			s.Failed = append(s.Failed, taskStatusOf(t, now))
		}
	}
	if len(t.Attempts) > 0 {
		ts := taskStatusOf(t, now)
		i, _ := slices.BinarySearchFunc(s.Slowest, ts.Seconds, func(e taskStatus, secs float64) int {
			if e.Seconds > secs {
				return -1
			}
			return 1
		})
		if i < maxSlowest {
			s.Slowest = slices.Insert(s.Slowest, i, ts)
			s.Slowest = s.Slowest[:min(len(s.Slowest), maxSlowest)]
		}
	}
	return ended, !ended.IsZero()
}

// taskStatusOf describes t: how long its last attempt ran (until now
// when it runs still) and the end of the latest stderr kept.
func taskStatusOf(t state.Task, now time.Time) taskStatus {
	ts := taskStatus{ID: t.ID, Label: t.Label, State: t.State, Attempts: len(t.Attempts), Error: t.Error}
	if n := len(t.Attempts); n > 0 {
		a := t.Attempts[n-1]
		end := a.End
		switch {
		case end.IsZero() && t.Result != nil:
			end = t.Result.Received
		case end.IsZero() && t.State == state.TaskRunning:
			end = now
		}
		if !a.Start.IsZero() && end.After(a.Start) {
			ts.Seconds = end.Sub(a.Start).Seconds()
		}
	}
	for i := len(t.Attempts) - 1; i >= 0; i-- {
		if e := t.Attempts[i].Stderr; e != "" {
			ts.Stderr = lastLines(e, stderrLines)
			break
		}
	}
	return ts
}

// lastLines is the last n lines of s.
func lastLines(s string, n int) string {
	s = strings.TrimRight(s, "\n")
	for i, k := len(s), 0; i > 0; i-- {
		if s[i-1] == '\n' {
			if k++; k == n {
				return s[i:]
			}
		}
	}
	return s
}

// timeline samples how many of ends (sorted) had passed at timelineBins+1
// instants from start to end.
func timeline(ends []time.Time, start, end time.Time) []timePoint {
	if start.IsZero() || !end.After(start) {
		return []timePoint{}
	}
	span := end.Sub(start)
	out := make([]timePoint, 0, timelineBins+1)
	k := 0
	for i := 0; i <= timelineBins; i++ {
		at := start.Add(span * time.Duration(i) / timelineBins)
		for k < len(ends) && !ends[k].After(at) {
			k++
		}
		out = append(out, timePoint{T: at.Sub(start).Seconds(), Ended: k})
	}
	out[timelineBins].Ended = len(ends) // ends recorded a moment after end count too
	return out
}

// rate sets s.Rate and s.ETA from the sorted end times.
func (s *jobStatus) rate(ends []time.Time, now time.Time) {
	left := s.Tasks - s.Counts.Done - s.Counts.Failed
	if !s.Ended.IsZero() || s.State == state.JobDone || s.State == state.JobFailed {
		if secs := s.Ended.Sub(s.Created).Seconds(); secs > 0 && !s.Created.IsZero() {
			s.Rate = float64(len(ends)) / secs
		}
		s.ETA = 0
		return
	}
	from := now.Add(-rateWindow)
	if s.Created.After(from) {
		from = s.Created
	}
	secs := now.Sub(from).Seconds()
	if secs <= 0 {
		return
	}
	i, _ := slices.BinarySearchFunc(ends, from, func(e, t time.Time) int { return e.Compare(t) })
	s.Rate = float64(len(ends)-i) / secs
	if s.Rate > 0 {
		s.ETA = float64(left) / s.Rate
	}
}
