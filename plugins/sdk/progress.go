package sdk

import (
	"time"

	"github.com/batchd/batchd/plugins/fetcher"
)

// Progress is reported at most every ProgressBytes or ProgressInterval,
// whichever comes first. Each report is a gRPC message to batchd: at
// loopback speed (1 GiB/s) a report every MiB would be a thousand a second
// for nothing.
const (
	ProgressBytes    = 16 << 20
	ProgressInterval = 250 * time.Millisecond
)

// throttle passes progress to report no more often than ProgressBytes or
// ProgressInterval allow.
type throttle struct {
	report func(fetcher.Progress)
	now    func() time.Time

	reported int64 // bytes in the last report, -1 before the first
	total    int64 // total in the last report
	at       time.Time
}

func newThrottle(report func(fetcher.Progress), now func() time.Time) *throttle {
	if report == nil {
		report = func(fetcher.Progress) {}
	}
	return &throttle{report: report, now: now, reported: -1}
}

// maybe reports p when enough bytes or time have passed since the last
// report.
func (t *throttle) maybe(p fetcher.Progress) {
	if p.Bytes-t.reported >= ProgressBytes || t.now().Sub(t.at) >= ProgressInterval {
		t.force(p)
	}
}

// force reports p now.
func (t *throttle) force(p fetcher.Progress) {
	t.report(p)
	t.reported, t.total, t.at = p.Bytes, p.Total, t.now()
}

// last reports p unless the last report said the same.
func (t *throttle) last(p fetcher.Progress) {
	if p.Bytes != t.reported || p.Total != t.total {
		t.force(p)
	}
}
