package sdk

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/batchd/batchd/plugins/fetcher"
)

func TestRetry(t *testing.T) {
	errBusy := errors.New("busy")
	errGone := errors.New("gone")
	tests := []struct {
		name     string
		results  []error // what the attempts return, in turn
		retries  int
		attempts int
		want     error  // errors.Is the result
		mention  string // in the result's message
	}{
		{"first attempt succeeds", []error{nil}, 3, 1, nil, ""},
		{"succeeds on a retry", []error{errBusy, errBusy, nil}, 3, 3, nil, ""},
		{"retries spent", []error{errBusy, errBusy, errBusy}, 2, 3, fetcher.ErrUnavailable, "gave up after 3 attempts: busy"},
		{"permanent at once", []error{errBusy, Permanent(fmt.Errorf("reading: %w", errGone))}, 3, 2, errGone, "reading: gone"},
		{"retry-after is retried", []error{RetryAfter(errBusy, time.Microsecond), nil}, 1, 2, nil, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var logged strings.Builder
			b := Backoff{Base: time.Microsecond, Max: time.Millisecond, Retries: tt.retries,
				Log: slog.New(slog.NewTextHandler(&logged, nil))}
			n := 0
			err := b.Retry(context.Background(), func() error {
				n++
				return tt.results[n-1]
			})
			if !errors.Is(err, tt.want) || (tt.want == nil) != (err == nil) {
				t.Fatalf("Retry = %v, want %v", err, tt.want)
			}
			if err != nil && !strings.Contains(err.Error(), tt.mention) {
				t.Errorf("Retry = %q, want it to mention %q", err, tt.mention)
			}
			if n != tt.attempts || b.Attempts() != tt.attempts {
				t.Errorf("%d attempts (Attempts says %d), want %d", n, b.Attempts(), tt.attempts)
			}
			// Each retry is logged at info, naming the attempt and the error.
			if lines := strings.Count(logged.String(), "level=INFO msg=\"attempt failed; retrying\""); lines != retriesMade(tt.results[:n]) {
				t.Errorf("%d retry lines, want %d:\n%s", lines, retriesMade(tt.results[:n]), logged.String())
			}
			if n > 1 && !strings.Contains(logged.String(), "attempt=1 attempts=") {
				t.Errorf("retry line does not name the attempt:\n%s", logged.String())
			}
		})
	}
}

// retriesMade counts the attempts after the first among results.
func retriesMade(results []error) int { return max(len(results)-1, 0) }

func TestRetryContext(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	b := Backoff{Base: time.Hour, Max: time.Hour, Retries: 5}
	err := b.Retry(ctx, func() error {
		cancel()
		return errors.New("cut short")
	})
	if !errors.Is(err, context.Canceled) || b.Attempts() != 1 {
		t.Errorf("Retry = %v after %d attempts, want context.Canceled after 1", err, b.Attempts())
	}
}

func TestMarks(t *testing.T) {
	base := errors.New("base")
	tests := []struct {
		name      string
		err       error
		permanent bool
	}{
		{"plain", base, false},
		{"permanent", Permanent(base), true},
		{"permanent, wrapped", fmt.Errorf("step: %w", Permanent(base)), true},
		{"retry after", RetryAfter(base, time.Second), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if IsPermanent(tt.err) != tt.permanent {
				t.Errorf("IsPermanent = %v, want %v", !tt.permanent, tt.permanent)
			}
			if !errors.Is(tt.err, base) || !strings.HasSuffix(tt.err.Error(), "base") {
				t.Errorf("%q does not read or wrap as its cause", tt.err)
			}
		})
	}
	if Permanent(nil) != nil || RetryAfter(nil, time.Second) != nil {
		t.Error("marking nil is not nil")
	}
}
