// Package rpcerr carries errors across the plugin gRPC boundary: a plugin's
// error becomes a gRPC status whose code and reason name the contract's
// sentinel error, and batchd turns that status back into an error that
// keeps the plugin's message and matches the sentinel with errors.Is.
//
// The contract packages (plugins/workload, plugins/fetcher) use it for their
// gRPC shims, and batchd's plugin host uses Transport to tell a broken
// connection from a plugin's error. A plugin author does not need it: the
// SDK's sentinel errors cross the boundary on their own.
package rpcerr

import (
	"context"
	"errors"
	"time"

	"google.golang.org/genproto/googleapis/rpc/errdetails"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// Domain is the ErrorInfo domain batchd plugins put on the statuses they return.
const Domain = "batchd.dev"

// Sentinel ties a contract's sentinel error to its wire form. Reason is
// carried in a google.rpc.ErrorInfo detail (domain Domain) and is what the
// client matches first; Code is the status code, matched when a plugin
// (written in another language, say) sends no ErrorInfo.
type Sentinel struct {
	Err    error
	Code   codes.Code
	Reason string
}

// Table is the set of sentinels of one contract.
type Table []Sentinel

// ToStatus turns an error a plugin returned into a gRPC status error for
// the wire. It is nil for nil.
func (t Table) ToStatus(err error) error {
	if err == nil {
		return nil
	}
	code, reason := codes.Unknown, ""
	switch {
	case errors.Is(err, context.Canceled):
		code = codes.Canceled
	case errors.Is(err, context.DeadlineExceeded):
		code = codes.DeadlineExceeded
	}
	for _, s := range t {
		if errors.Is(err, s.Err) {
			code, reason = s.Code, s.Reason
			break
		}
	}
	st := status.New(code, err.Error())
	if reason != "" {
		if d, derr := st.WithDetails(&errdetails.ErrorInfo{Reason: reason, Domain: Domain}); derr == nil {
			st = d
		}
	}
	return st.Err()
}

// FromStatus turns an error a gRPC client call returned into an error that
// keeps the remote message and matches, with errors.Is, the contract
// sentinel the status names, or context.Canceled / context.DeadlineExceeded.
// A status that names no sentinel is returned as an *Error with no
// sentinel. Non-status errors are returned unchanged; nil stays nil.
func (t Table) FromStatus(err error) error {
	if err == nil {
		return nil
	}
	st, ok := status.FromError(err)
	if !ok {
		return err
	}
	e := &Error{Code: st.Code(), Msg: st.Message(), status: st}
	reason := ""
	for _, d := range st.Details() {
		if info, ok := d.(*errdetails.ErrorInfo); ok && info.GetDomain() == Domain {
			reason = info.GetReason()
		}
	}
	for _, s := range t {
		if reason != "" && s.Reason == reason {
			e.sentinel = s.Err
			return e
		}
	}
	switch st.Code() {
	case codes.Canceled:
		e.sentinel = context.Canceled
		return e
	case codes.DeadlineExceeded:
		e.sentinel = context.DeadlineExceeded
		return e
	case codes.Unavailable, codes.Unknown, codes.Internal:
		// Also what gRPC itself reports for a lost connection: never a sentinel
		// unless the plugin said so with an ErrorInfo.
		return e
	}
	if reason == "" {
		for _, s := range t {
			if s.Code == st.Code() {
				e.sentinel = s.Err
				break
			}
		}
	}
	return e
}

// deadlineSlack is how early before its deadline a call's cancellation
// still counts as the deadline passing (see FromCall).
const deadlineSlack = 50 * time.Millisecond

// FromCall is FromStatus for the error of a client call made with ctx.
// gRPC hands ctx's deadline to the plugin, whose side may give up first and
// reset the stream a moment before the caller's own timer fires; the caller
// then sees a cancellation. A cancellation that arrives when ctx's deadline
// has passed or is all but due is reported as context.DeadlineExceeded, as
// the caller's timer would have.
func (t Table) FromCall(ctx context.Context, err error) error {
	err = t.FromStatus(err)
	var e *Error
	if errors.As(err, &e) && e.Code == codes.Canceled && deadlineDue(ctx) {
		e.sentinel = context.DeadlineExceeded
	}
	return err
}

func deadlineDue(ctx context.Context) bool {
	if errors.Is(ctx.Err(), context.DeadlineExceeded) {
		return true
	}
	dl, ok := ctx.Deadline()
	return ok && time.Until(dl) < deadlineSlack
}

// Error is an error that crossed the plugin boundary.
type Error struct {
	// Code is the gRPC status code it travelled as.
	Code codes.Code
	// Msg is the message as the plugin wrote it.
	Msg      string
	sentinel error
	status   *status.Status
}

// Error returns the plugin's message, or the status code when it had none.
func (e *Error) Error() string {
	if e.Msg == "" {
		return "plugin error: " + e.Code.String()
	}
	return e.Msg
}

// Unwrap returns the sentinel the status named, if any.
func (e *Error) Unwrap() error { return e.sentinel }

// GRPCStatus lets a shim pass the error on unchanged.
func (e *Error) GRPCStatus() *status.Status { return e.status }

// Transport reports whether err is gRPC's own report of a lost or broken
// connection to the plugin rather than an error the plugin returned.
func Transport(err error) bool {
	var e *Error
	if !errors.As(err, &e) {
		return false
	}
	if e.sentinel != nil {
		return false
	}
	return e.Code == codes.Unavailable || e.Code == codes.Internal
}
