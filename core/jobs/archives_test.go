package jobs

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/batchd/batchd/core/staging"
	"github.com/batchd/batchd/plugins/fetcher"
)

// TestCheckArchiveCachesVerdictsOnly checks that an archive's check is
// remembered for the run only when it is a verdict about the archive
// (passed, unsafe, unsupported format), while a plugin's own failure (a
// crash, an unavailable or timed-out plugin) is retried within the call
// and checked anew by the next one.
func TestCheckArchiveCachesVerdictsOnly(t *testing.T) {
	crashed := errors.New("fetcher plugin \"archive\": extract: plugin process exited")
	unsafe := fmt.Errorf("entry %q: escapes the target folder: %w", "../x", fetcher.ErrUnsafeArchive)
	tests := []struct {
		name  string
		fails []error // what each Extract call returns, then nil
		// per call of checkArchive: the error it returns ("" for none)
		want []string
		// Extract calls made in all
		calls int
	}{
		{"passes, checked once", nil, []string{"", "", ""}, 1},
		{"unsafe, checked once", []error{unsafe, unsafe}, []string{"escapes", "escapes", "escapes"}, 1},
		{"unsupported format, checked once", []error{fetcher.ErrUnsupported}, []string{"unsupported", "unsupported"}, 1},
		{"crash once, retried within the call", []error{crashed}, []string{"", ""}, 2},
		{"unavailable twice, retried within the call", []error{fetcher.ErrUnavailable, context.DeadlineExceeded}, []string{"", ""}, 3},
		{"transient every try, the next call tries again", []error{crashed, crashed, crashed}, []string{"process exited", ""}, 4},
		{"transient then a verdict", []error{crashed, unsafe}, []string{"escapes", "escapes"}, 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var calls atomic.Int32
			f := &fetcher.Fake{ExtractFunc: func(ctx context.Context, req fetcher.ExtractRequest) (fetcher.ExtractResult, error) {
				n := int(calls.Add(1))
				if req.Dest != "" {
					t.Errorf("Extract with Dest %q, want a check (no Dest)", req.Dest)
				}
				if n <= len(tt.fails) {
					return fetcher.ExtractResult{}, tt.fails[n-1]
				}
				return fetcher.ExtractResult{}, nil
			}}
			r := New(Config{Plugins: fakePlugins{f: f}})
			r.archives.retryWait = time.Millisecond
			blob := staging.Blob{Digest: "d1", Name: "in.tar.gz"}
			for i, want := range tt.want {
				err := r.checkArchive(context.Background(), blob, "in.tar.gz")
				switch {
				case want == "" && err != nil:
					t.Errorf("check %d: %v, want it to pass", i+1, err)
				case want != "" && (err == nil || !strings.Contains(err.Error(), want)):
					t.Errorf("check %d: %v, want an error containing %q", i+1, err, want)
				}
			}
			if got := int(calls.Load()); got != tt.calls {
				t.Errorf("Extract called %d times, want %d", got, tt.calls)
			}
		})
	}
}

// TestCheckArchiveCancelledNotCached checks that a check cut short by its
// caller's context is not remembered: another job checking the same
// archive gets the plugin's verdict.
func TestCheckArchiveCancelledNotCached(t *testing.T) {
	f := &fetcher.Fake{ExtractFunc: func(ctx context.Context, req fetcher.ExtractRequest) (fetcher.ExtractResult, error) {
		return fetcher.ExtractResult{}, ctx.Err()
	}}
	r := New(Config{Plugins: fakePlugins{f: f}})
	blob := staging.Blob{Digest: "d1", Name: "in.zip"}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := r.checkArchive(ctx, blob, "in.zip"); !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled check: %v, want context.Canceled", err)
	}
	if err := r.checkArchive(context.Background(), blob, "in.zip"); err != nil {
		t.Errorf("second check: %v, want it to pass", err)
	}
}
