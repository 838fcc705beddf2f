package staging

import (
	"context"
	"fmt"
	"sync"
	"time"
)

// ProgressFunc observes fetches in flight. uri is the URI being fetched
// (password redacted), bytes how many of its bytes are in the temp file so
// far (counting a resumed prefix), total the expected size or -1 when
// unknown, and rate the fetch speed in bytes per second over the last few
// seconds. It is called each time the fetcher reports progress and once more
// when the fetch succeeds, with bytes == total == the blob's size and rate
// the average over the whole fetch. Calls for one URI are sequential;
// calls for different URIs may be concurrent. It must not block.
type ProgressFunc func(uri string, bytes, total int64, rate float64)

const (
	// rateWindow is how far back the rate meter looks.
	rateWindow = 5 * time.Second
	// logEvery is the least time between two progress log lines for one fetch.
	logEvery = 2 * time.Second
)

// sample is a byte count at an instant.
type sample struct {
	at time.Time
	n  int64
}

// rateMeter measures a transfer rate over a sliding window of time.
type rateMeter struct {
	window  time.Duration
	samples []sample // oldest first; samples[0] is at or before the window start
}

// add records that n bytes had moved at instant at and returns the rate in
// bytes per second since the oldest sample still in the window.
func (r *rateMeter) add(at time.Time, n int64) float64 {
	r.samples = append(r.samples, sample{at, n})
	for len(r.samples) > 2 && at.Sub(r.samples[1].at) >= r.window {
		r.samples = r.samples[1:]
	}
	first := r.samples[0]
	dt := at.Sub(first.at).Seconds()
	if dt <= 0 {
		return 0
	}
	return float64(n-first.n) / dt
}

// meter reports one fetch's progress to Options.Progress and the log, and
// cancels the fetch when the artifact cannot fit under the size bound.
type meter struct {
	s      *Store
	key    string
	cancel context.CancelCauseFunc
	start  time.Time
	offset int64

	mu      sync.Mutex
	rate    rateMeter
	lastLog time.Time
}

func (s *Store) newMeter(key string, offset int64, cancel context.CancelCauseFunc) *meter {
	now := s.now()
	m := &meter{s: s, key: key, cancel: cancel, start: now, offset: offset, lastLog: now,
		rate: rateMeter{window: rateWindow}}
	m.rate.add(now, offset)
	return m
}

// report is the Target.Progress of the fetch.
func (m *meter) report(bytes, total int64) {
	if bound := m.s.max; bound > 0 && (total > bound || bytes > bound) {
		size := max(total, bytes)
		m.cancel(fmt.Errorf("%w: the artifact is %d bytes, more than the %d-byte bound", ErrFull, size, bound))
		return
	}
	m.mu.Lock()
	now := m.s.now()
	rate := m.rate.add(now, bytes)
	logNow := now.Sub(m.lastLog) >= logEvery
	if logNow {
		m.lastLog = now
	}
	m.mu.Unlock()
	if logNow {
		m.s.log.Info("staging: fetching", "uri", m.key, "bytes", bytes, "total", total,
			"mb_per_s", fmt.Sprintf("%.1f", rate/1e6))
	}
	if m.s.progress != nil {
		m.s.progress(m.key, bytes, total, rate)
	}
}

// done reports a fetch that stored size bytes.
func (m *meter) done(size int64) {
	d := m.s.now().Sub(m.start)
	rate := 0.0
	if d > 0 {
		rate = float64(size-m.offset) / d.Seconds()
	}
	m.s.log.Info("staging: fetched", "uri", m.key, "bytes", size, "resumed_at", m.offset,
		"duration", d.Round(time.Millisecond), "mb_per_s", fmt.Sprintf("%.1f", rate/1e6))
	if m.s.progress != nil {
		m.s.progress(m.key, size, size, rate)
	}
}
