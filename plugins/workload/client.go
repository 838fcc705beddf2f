package workload

import (
	"context"
	"errors"
	"io"

	pb "github.com/batchd/batchd/plugins/workload/proto"
)

// client is batchd's side of the gRPC shim: a Workload whose methods call
// the plugin. Errors the plugin returned keep their message and match this
// package's sentinels (and context.Canceled / DeadlineExceeded) with errors.Is.
type client struct {
	rpc pb.WorkloadClient
}

var _ Workload = (*client)(nil)

func (c *client) Describe(ctx context.Context) (Info, error) {
	resp, err := c.rpc.Describe(ctx, &pb.DescribeRequest{})
	if err != nil {
		return Info{}, wireErrors.FromCall(ctx, err)
	}
	return infoFromProto(resp), nil
}

// Plan streams the plugin's task specs to emit. If emit fails the stream is
// cancelled (the plugin sees its ctx cancelled) and emit's error returned.
func (c *client) Plan(ctx context.Context, job Job, emit func(TaskSpec) error) error {
	pj, err := jobToProto(job)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	stream, err := c.rpc.Plan(ctx, &pb.PlanRequest{Job: pj})
	if err != nil {
		return wireErrors.FromCall(ctx, err)
	}
	for {
		m, err := stream.Recv()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return wireErrors.FromCall(ctx, err)
		}
		for _, t := range m.GetTasks() {
			if err := emit(specFromProto(t)); err != nil {
				return err
			}
		}
	}
}

// Reduce sends the job and then next's results, in batches, to the plugin.
// If next fails the stream is cancelled and next's error returned.
func (c *client) Reduce(ctx context.Context, job Job, next func() (Result, error)) (Summary, error) {
	pj, err := jobToProto(job)
	if err != nil {
		return Summary{}, err
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	stream, err := c.rpc.Reduce(ctx)
	if err != nil {
		return Summary{}, wireErrors.FromCall(ctx, err)
	}
	sent := false
	b := batcher[*pb.Result]{flush: func(rs []*pb.Result) error {
		m := &pb.ReduceRequest{Results: rs}
		if !sent {
			m.Job, sent = pj, true
		}
		return stream.Send(m)
	}}
	// A Send that fails with io.EOF means the plugin ended the call early;
	// CloseAndRecv below then returns the plugin's error.
	var sendErr error
	for sendErr == nil {
		r, err := next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return Summary{}, err
		}
		sendErr = b.add(resultToProto(r), "result of task", r.TaskID)
	}
	if sendErr == nil && (!sent || len(b.items) > 0) {
		sendErr = b.send()
	}
	if sendErr != nil && !errors.Is(sendErr, io.EOF) {
		return Summary{}, wireErrors.FromCall(ctx, sendErr)
	}
	resp, err := stream.CloseAndRecv()
	if err != nil {
		return Summary{}, wireErrors.FromCall(ctx, err)
	}
	return Summary{Text: resp.GetText(), Output: rawOrNil(resp.GetOutput())}, nil
}
