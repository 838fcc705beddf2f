package rpcerr_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/batchd/batchd/plugins/rpcerr"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

var (
	errA = errors.New("a")
	errB = errors.New("b")
)

var table = rpcerr.Table{
	{Err: errA, Code: codes.NotFound, Reason: "A"},
	{Err: errB, Code: codes.Unavailable, Reason: "B"},
}

func TestRoundTrip(t *testing.T) {
	tests := []struct {
		name string
		err  error
		code codes.Code
		want error
	}{
		{name: "nil", err: nil, code: codes.OK},
		{name: "sentinel", err: fmt.Errorf("thing 1: %w", errA), code: codes.NotFound, want: errA},
		{name: "sentinel sharing a transport code", err: fmt.Errorf("host down: %w", errB), code: codes.Unavailable, want: errB},
		{name: "plain", err: errors.New("boom"), code: codes.Unknown},
		{name: "canceled", err: fmt.Errorf("x: %w", context.Canceled), code: codes.Canceled, want: context.Canceled},
		{name: "deadline", err: context.DeadlineExceeded, code: codes.DeadlineExceeded, want: context.DeadlineExceeded},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			wire := table.ToStatus(tc.err)
			if got := status.Code(wire); got != tc.code {
				t.Errorf("code %v, want %v", got, tc.code)
			}
			back := table.FromStatus(wire)
			if tc.err == nil {
				if back != nil {
					t.Fatalf("nil came back as %v", back)
				}
				return
			}
			if back.Error() != tc.err.Error() {
				t.Errorf("message %q, want %q", back, tc.err)
			}
			if tc.want != nil && !errors.Is(back, tc.want) {
				t.Errorf("%v does not match %v", back, tc.want)
			}
			for _, s := range []error{errA, errB, context.Canceled, context.DeadlineExceeded} {
				if s != tc.want && errors.Is(back, s) {
					t.Errorf("%v matches %v", back, s)
				}
			}
			if rpcerr.Transport(back) {
				t.Errorf("%v reported as a transport error", back)
			}
		})
	}
}

func TestCodeOnlyStatuses(t *testing.T) {
	tests := []struct {
		name      string
		st        error
		want      error
		transport bool
	}{
		{name: "code names a sentinel", st: status.Error(codes.NotFound, "gone"), want: errA},
		{name: "unavailable without reason is transport", st: status.Error(codes.Unavailable, "error reading from server: EOF"), transport: true},
		{name: "unknown code", st: status.Error(codes.Aborted, "aborted")},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			back := table.FromStatus(tc.st)
			if tc.want != nil && !errors.Is(back, tc.want) {
				t.Errorf("%v does not match %v", back, tc.want)
			}
			if tc.want == nil && (errors.Is(back, errA) || errors.Is(back, errB)) {
				t.Errorf("%v matches a sentinel", back)
			}
			if got := rpcerr.Transport(back); got != tc.transport {
				t.Errorf("Transport = %v, want %v", got, tc.transport)
			}
		})
	}
	if err := errors.New("not a status"); table.FromStatus(err) != err {
		t.Error("a non-status error was changed")
	}
}

// TestFromCall checks that a cancellation the plugin's side sent at the
// deadline it was handed reads as the deadline passing, and any other
// cancellation stays a cancellation.
func TestFromCall(t *testing.T) {
	reset := status.Error(codes.Canceled, "stream terminated by RST_STREAM with error code: CANCEL")
	expired, cancel1 := context.WithDeadline(context.Background(), time.Now().Add(-time.Second))
	defer cancel1()
	due, cancel2 := context.WithTimeout(context.Background(), 10*time.Millisecond)
	defer cancel2()
	far, cancel3 := context.WithTimeout(context.Background(), time.Hour)
	defer cancel3()
	tests := []struct {
		name string
		ctx  context.Context
		err  error
		want error
	}{
		{"deadline passed", expired, reset, context.DeadlineExceeded},
		{"deadline all but due", due, reset, context.DeadlineExceeded},
		{"deadline far off", far, reset, context.Canceled},
		{"no deadline", context.Background(), reset, context.Canceled},
		{"not a cancellation", expired, status.Error(codes.NotFound, "gone"), errA},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := table.FromCall(tc.ctx, tc.err)
			if !errors.Is(got, tc.want) {
				t.Errorf("FromCall = %v, want it to match %v", got, tc.want)
			}
			if tc.want == context.DeadlineExceeded && errors.Is(got, context.Canceled) {
				t.Errorf("FromCall = %v still matches context.Canceled", got)
			}
		})
	}
}
