package sdk

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/batchd/batchd/plugins/fetcher"
)

// retryError marks an attempt's error for Retry: not worth retrying, or
// worth retrying only after a while.
type retryError struct {
	err       error
	permanent bool
	after     time.Duration
}

func (e *retryError) Error() string { return e.err.Error() }
func (e *retryError) Unwrap() error { return e.err }

// Permanent marks err as not worth retrying (a missing file, a refused
// login): Retry returns it at once. Its message and what it wraps are
// err's. Permanent(nil) is nil.
func Permanent(err error) error {
	if err == nil {
		return nil
	}
	return &retryError{err: err, permanent: true}
}

// RetryAfter marks err as worth retrying, but not before d has passed (a
// server's Retry-After); Backoff.Max still bounds the pause.
// RetryAfter(nil, d) is nil.
func RetryAfter(err error, d time.Duration) error {
	if err == nil {
		return nil
	}
	return &retryError{err: err, after: d}
}

// IsPermanent reports whether err, or an error it wraps, was marked by
// Permanent.
func IsPermanent(err error) bool {
	var re *retryError
	return errors.As(err, &re) && re.permanent
}

// Retry calls attempt until it returns nil, returns an error marked
// Permanent, the retries are spent, or ctx ends, pacing the retries as
// Next does; every other error is worth retrying. It returns nil, the
// Permanent error, ctx.Err() (the error of the attempt ctx cut short is
// dropped), or, once the retries are spent, an error wrapping
// fetcher.ErrUnavailable and the last attempt's error that says how many
// attempts were made.
func (b *Backoff) Retry(ctx context.Context, attempt func() error) error {
	var last error
	for b.Next(ctx) {
		err := attempt()
		if err == nil {
			return nil
		}
		if ctx.Err() != nil {
			break
		}
		var re *retryError
		if errors.As(err, &re) {
			if re.permanent {
				return err
			}
			b.floor = re.after
		}
		last = err
		b.lastErr = err
	}
	b.lastErr = nil
	if err := ctx.Err(); err != nil {
		return err
	}
	return fmt.Errorf("%w: gave up after %d attempts: %w", fetcher.ErrUnavailable, b.attempts, last)
}
