package fetcher

import (
	"context"
	"fmt"

	pb "github.com/batchd/batchd/plugins/fetcher/proto"
	"google.golang.org/grpc"
)

// server is the plugin side of the gRPC shim: it serves a Fetcher
// implementation to batchd.
type server struct {
	pb.UnimplementedFetcherServer
	impl Fetcher
}

var _ pb.FetcherServer = (*server)(nil)

func (s *server) Describe(ctx context.Context, _ *pb.DescribeRequest) (*pb.DescribeResponse, error) {
	info, err := s.impl.Describe(ctx)
	if err != nil {
		return nil, wireErrors.ToStatus(err)
	}
	return &pb.DescribeResponse{Name: info.Name, Version: info.Version, Schemes: info.Schemes, Formats: info.Formats}, nil
}

func (s *server) Configure(ctx context.Context, req *pb.ConfigureRequest) (*pb.ConfigureResponse, error) {
	if err := s.impl.Configure(ctx, rawOrNil(req.GetSettingsJson())); err != nil {
		return nil, wireErrors.ToStatus(err)
	}
	return &pb.ConfigureResponse{}, nil
}

// Fetch sends progress events as the implementation reports them and the
// result last. A progress event that cannot be sent (batchd went away) is
// dropped: the cancelled ctx stops the implementation.
func (s *server) Fetch(req *pb.FetchRequest, stream grpc.ServerStreamingServer[pb.FetchEvent]) error {
	progress := func(p Progress) {
		_ = stream.Send(&pb.FetchEvent{Event: &pb.FetchEvent_Progress{
			Progress: &pb.Progress{Bytes: p.Bytes, Total: p.Total},
		}})
	}
	res, err := s.impl.Fetch(stream.Context(), Request{
		URI: req.GetUri(), Dest: req.GetDest(), Offset: req.GetOffset(), KeepPartial: req.GetKeepPartial(),
	}, progress)
	if err != nil {
		return wireErrors.ToStatus(err)
	}
	return stream.Send(&pb.FetchEvent{Event: &pb.FetchEvent_Result{
		Result: &pb.Result{Size: res.Size, Sha256: res.SHA256, Validator: res.Validator},
	}})
}

// Extract serves the optional Extractor capability; an implementation
// without it answers with ErrNotExtractor.
func (s *server) Extract(ctx context.Context, req *pb.ExtractRequest) (*pb.ExtractResponse, error) {
	x, ok := s.impl.(Extractor)
	if !ok {
		return nil, wireErrors.ToStatus(fmt.Errorf("extracting %s: %w", req.GetArchive(), ErrNotExtractor))
	}
	res, err := x.Extract(ctx, ExtractRequest{
		Archive: req.GetArchive(), Name: req.GetName(), Format: req.GetFormat(), Dest: req.GetDest(),
		MaxBytes: req.GetMaxBytes(), MaxFiles: req.GetMaxFiles(),
	})
	if err != nil {
		return nil, wireErrors.ToStatus(err)
	}
	return &pb.ExtractResponse{Files: res.Files, Bytes: res.Bytes}, nil
}

// Stat serves the optional Stater capability; an implementation without it
// answers with ErrNotStater.
func (s *server) Stat(ctx context.Context, req *pb.StatRequest) (*pb.StatResponse, error) {
	st, ok := s.impl.(Stater)
	if !ok {
		return nil, wireErrors.ToStatus(fmt.Errorf("stat %s: %w", req.GetUri(), ErrNotStater))
	}
	res, err := st.Stat(ctx, StatRequest{URI: req.GetUri(), Validator: req.GetValidator()})
	if err != nil {
		return nil, wireErrors.ToStatus(err)
	}
	return &pb.StatResponse{Validator: res.Validator, Size: res.Size}, nil
}
