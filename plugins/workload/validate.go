package workload

import (
	"context"
	"errors"
	"fmt"
	"strings"

	pb "github.com/batchd/batchd/plugins/workload/proto"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// ErrNotValidator means the plugin does not implement Validate: it predates
// the capability or has nothing to check before Plan. batchd then skips the
// check; Plan still reports bad params.
var ErrNotValidator = errors.New("workload: plugin does not validate")

// Validator is an optional capability of a workload plugin: checking a
// job's params without planning it, so `batchd validate` and a run (before
// it launches anything) report bad params as config errors, with the file
// and line of the value at fault. batchd detects it with a type assertion
// on what it dispensed; a call to a plugin built before Validate existed
// returns an error wrapping ErrNotValidator.
//
// Validate is called after Describe, any number of times, concurrently,
// with the job as the config gives it: Job.Files is empty, since nothing is
// staged yet (batchd itself checks that each ParamURI param names a source
// its fetchers handle and can find). It honours ctx, returning an error
// wrapping ctx.Err() when ctx ends.
//
// Problems with the params are the answer, not an error: Validate returns
// every one it finds and a nil error. An error means the check itself
// could not be made.
type Validator interface {
	Validate(ctx context.Context, job Job) ([]Problem, error)
}

// Problem is one thing wrong with a job's params.
type Problem struct {
	// Field is the path of the value at fault from the job's table, as
	// the config spells it: "params.groups" for the whole param,
	// "params.groups[0]" for its first element, "params.input".
	Field string
	// Message says what is wrong without repeating the field.
	Message string
}

// Error formats the problem as "field: message".
func (p Problem) Error() string {
	if p.Field == "" {
		return p.Message
	}
	return p.Field + ": " + p.Message
}

// ParamField is the Field of a Problem with param name, followed by the
// indexes of nested list elements: ParamField("groups", 0) is
// "params.groups[0]".
func ParamField(name string, index ...int) string {
	var b strings.Builder
	b.WriteString("params.")
	b.WriteString(name)
	for _, i := range index {
		fmt.Fprintf(&b, "[%d]", i)
	}
	return b.String()
}

// Validate calls the plugin's optional Validate. A plugin built before the
// call existed answers UNIMPLEMENTED with no reason attached; that, like a
// plugin that says it does not validate, becomes an error wrapping
// ErrNotValidator.
func (c *client) Validate(ctx context.Context, job Job) ([]Problem, error) {
	pj, err := jobToProto(job)
	if err != nil {
		return nil, err
	}
	resp, err := c.rpc.Validate(ctx, &pb.ValidateRequest{Job: pj})
	if err != nil {
		if st, ok := status.FromError(err); ok && st.Code() == codes.Unimplemented {
			return nil, fmt.Errorf("%w (plugin answered: %s)", ErrNotValidator, st.Message())
		}
		return nil, wireErrors.FromCall(ctx, err)
	}
	var out []Problem
	for _, p := range resp.GetProblems() {
		out = append(out, Problem{Field: p.GetField(), Message: p.GetMessage()})
	}
	return out, nil
}

// Validate serves the optional Validator capability; an implementation
// without it answers ErrNotValidator (UNIMPLEMENTED, as a plugin built
// before the call existed answers).
func (s *server) Validate(ctx context.Context, req *pb.ValidateRequest) (*pb.ValidateResponse, error) {
	v, ok := s.impl.(Validator)
	if !ok {
		return nil, wireErrors.ToStatus(fmt.Errorf("validating job %q: %w", req.GetJob().GetName(), ErrNotValidator))
	}
	job, err := jobFromProto(req.GetJob())
	if err != nil {
		return nil, wireErrors.ToStatus(fmt.Errorf("%w: %w", ErrInvalidParams, err))
	}
	problems, err := v.Validate(ctx, job)
	if err != nil {
		return nil, wireErrors.ToStatus(err)
	}
	resp := &pb.ValidateResponse{}
	for _, p := range problems {
		resp.Problems = append(resp.Problems, &pb.Problem{Field: p.Field, Message: p.Message})
	}
	return resp, nil
}

var _ Validator = (*client)(nil)
