package workload

import (
	"context"
	"errors"
	"fmt"
	"io"

	pb "github.com/batchd/batchd/plugins/workload/proto"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// server is the plugin side of the gRPC shim: it serves a Workload
// implementation to batchd.
type server struct {
	pb.UnimplementedWorkloadServer
	impl Workload
}

var _ pb.WorkloadServer = (*server)(nil)

func (s *server) Describe(ctx context.Context, _ *pb.DescribeRequest) (*pb.DescribeResponse, error) {
	info, err := s.impl.Describe(ctx)
	if err != nil {
		return nil, wireErrors.ToStatus(err)
	}
	return infoToProto(info), nil
}

func (s *server) Plan(req *pb.PlanRequest, stream grpc.ServerStreamingServer[pb.PlanResponse]) error {
	job, err := jobFromProto(req.GetJob())
	if err != nil {
		return wireErrors.ToStatus(fmt.Errorf("%w: %w", ErrInvalidParams, err))
	}
	b := batcher[*pb.TaskSpec]{flush: func(tasks []*pb.TaskSpec) error {
		return stream.Send(&pb.PlanResponse{Tasks: tasks})
	}}
	err = s.impl.Plan(stream.Context(), job, func(t TaskSpec) error {
		return b.add(specToProto(t), "task spec", t.ID)
	})
	if err == nil && len(b.items) > 0 {
		err = b.send()
	}
	return wireErrors.ToStatus(err)
}

func (s *server) Reduce(stream grpc.ClientStreamingServer[pb.ReduceRequest, pb.ReduceResponse]) error {
	first, err := stream.Recv()
	if errors.Is(err, io.EOF) {
		return status.Error(codes.InvalidArgument, "reduce: stream ended before the job was sent")
	}
	if err != nil {
		return err
	}
	job, err := jobFromProto(first.GetJob())
	if err != nil {
		return wireErrors.ToStatus(fmt.Errorf("%w: %w", ErrInvalidParams, err))
	}
	pending := first.GetResults()
	next := func() (Result, error) {
		for len(pending) == 0 {
			m, err := stream.Recv()
			if err != nil {
				return Result{}, err // io.EOF at the end, as the contract says
			}
			pending = m.GetResults()
		}
		r := pending[0]
		pending = pending[1:]
		return resultFromProto(r), nil
	}
	sum, err := s.impl.Reduce(stream.Context(), job, next)
	if err != nil {
		return wireErrors.ToStatus(err)
	}
	return stream.SendAndClose(&pb.ReduceResponse{Text: sum.Text, Output: sum.Output})
}
