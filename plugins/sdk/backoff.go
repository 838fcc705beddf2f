package sdk

import (
	"context"
	"log/slog"
	"math/rand/v2"
	"time"
)

// Backoff paces the attempts of an operation that may fail for a while (a
// dropped connection, a busy server): the first attempt runs at once, each
// retry after a pause that starts at Base and doubles up to Max, with
// "equal jitter" (between half and all of it) so that many clients do not
// retry in step. Retries bounds the retries after the first attempt. The
// zero Backoff allows one attempt. A Backoff counts attempts, so use one
// per operation; it is not safe for concurrent use.
type Backoff struct {
	Base    time.Duration // pause before the first retry
	Max     time.Duration // cap on any pause; below Base it is Base
	Retries int           // retries after the first attempt
	// Log receives a line at info level before each retry Retry makes,
	// naming the attempt, the pause and the error (nil: Logger()), so a
	// user sees a slow source being retried rather than silence.
	Log *slog.Logger

	attempts int           // attempts allowed so far
	failed   int           // attempts since the last Reset
	floor    time.Duration // minimum of the next pause (see Retry)
	lastErr  error         // the error Retry retries, logged with the pause
}

// Next waits for the next attempt and reports whether to make it: at once
// for the first, after Delay for a retry, and false when the retries are
// spent or ctx ends first (ctx.Err() then says so). It never waits past
// ctx's end.
func (b *Backoff) Next(ctx context.Context) bool {
	if ctx.Err() != nil {
		return false
	}
	if b.failed > 0 {
		if b.failed > b.Retries {
			return false
		}
		d := b.pause()
		b.floor = 0
		if b.lastErr != nil {
			log := b.Log
			if log == nil {
				log = Logger()
			}
			log.Info("attempt failed; retrying", "attempt", b.attempts, "attempts", b.Retries+1, "pause", d.Round(time.Millisecond).String(), "err", b.lastErr.Error())
			b.lastErr = nil
		}
		select {
		case <-ctx.Done():
			return false
		case <-time.After(d):
		}
	}
	b.attempts++
	b.failed++
	return true
}

// Attempts returns how many attempts Next has allowed.
func (b *Backoff) Attempts() int { return b.attempts }

// Reset says the last attempt made progress (a download got bytes before
// it failed): the next retry waits Base again and the Retries start over.
func (b *Backoff) Reset() { b.failed = min(b.failed, 1) }

// Delay returns the pause before retry n (from 1): Base doubled n-1 times,
// capped at Max, then jittered to between half and all of it.
func (b *Backoff) Delay(n int) time.Duration {
	d, ceil := b.Base, b.cap()
	for i := 1; i < n && d < ceil; i++ {
		d *= 2
	}
	d = min(d, ceil)
	if d <= 0 {
		return 0
	}
	return d/2 + rand.N(d/2+1)
}

// pause is the wait before the next retry: Delay, or the RetryAfter floor
// when that is longer.
func (b *Backoff) pause() time.Duration {
	return max(b.Delay(b.failed), min(b.floor, b.cap()))
}

func (b *Backoff) cap() time.Duration { return max(b.Max, b.Base) }
