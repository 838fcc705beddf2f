package rpcerr_test

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/batchd/batchd/plugins/internal/rpcerr"
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
