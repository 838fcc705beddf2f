package fetcher

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"

	pb "github.com/batchd/batchd/plugins/fetcher/proto"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// client is batchd's side of the gRPC shim: a Fetcher whose methods call
// the plugin. Errors the plugin returned keep their message and match this
// package's sentinels (and context.Canceled / DeadlineExceeded) with errors.Is.
type client struct {
	rpc pb.FetcherClient
}

var (
	_ Fetcher   = (*client)(nil)
	_ Extractor = (*client)(nil)
	_ Stater    = (*client)(nil)
)

func (c *client) Describe(ctx context.Context) (Info, error) {
	resp, err := c.rpc.Describe(ctx, &pb.DescribeRequest{})
	if err != nil {
		return Info{}, wireErrors.FromCall(ctx, err)
	}
	return Info{Name: resp.GetName(), Version: resp.GetVersion(), Schemes: resp.GetSchemes(), Formats: resp.GetFormats()}, nil
}

func (c *client) Configure(ctx context.Context, settings json.RawMessage) error {
	_, err := c.rpc.Configure(ctx, &pb.ConfigureRequest{SettingsJson: settings})
	return wireErrors.FromCall(ctx, err)
}

// Fetch calls progress (if not nil) for each progress event, on the
// calling goroutine, and returns the result the plugin sent last.
func (c *client) Fetch(ctx context.Context, req Request, progress func(Progress)) (Result, error) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	stream, err := c.rpc.Fetch(ctx, &pb.FetchRequest{
		Uri: req.URI, Dest: req.Dest, Offset: req.Offset, KeepPartial: req.KeepPartial,
	})
	if err != nil {
		return Result{}, wireErrors.FromCall(ctx, err)
	}
	for {
		ev, err := stream.Recv()
		if errors.Is(err, io.EOF) {
			return Result{}, fmt.Errorf("fetching %s: plugin ended the stream without a result", req.Dest)
		}
		if err != nil {
			return Result{}, wireErrors.FromCall(ctx, err)
		}
		switch e := ev.GetEvent().(type) {
		case *pb.FetchEvent_Progress:
			if progress != nil {
				progress(Progress{Bytes: e.Progress.GetBytes(), Total: e.Progress.GetTotal()})
			}
		case *pb.FetchEvent_Result:
			return Result{Size: e.Result.GetSize(), SHA256: e.Result.GetSha256(), Validator: e.Result.GetValidator()}, nil
		}
	}
}

// Extract calls the plugin's optional Extract. A plugin built before the
// call existed answers UNIMPLEMENTED with no reason attached; that becomes
// an error wrapping ErrNotExtractor.
func (c *client) Extract(ctx context.Context, req ExtractRequest) (ExtractResult, error) {
	resp, err := c.rpc.Extract(ctx, &pb.ExtractRequest{
		Archive: req.Archive, Name: req.Name, Format: req.Format, Dest: req.Dest,
		MaxBytes: req.MaxBytes, MaxFiles: req.MaxFiles,
	})
	if err != nil {
		if st, ok := status.FromError(err); ok && st.Code() == codes.Unimplemented && len(st.Details()) == 0 {
			return ExtractResult{}, fmt.Errorf("%w (plugin answered: %s)", ErrNotExtractor, st.Message())
		}
		return ExtractResult{}, wireErrors.FromCall(ctx, err)
	}
	return ExtractResult{Files: resp.GetFiles(), Bytes: resp.GetBytes()}, nil
}

// Stat calls the plugin's optional Stat. A plugin built before the call
// existed answers UNIMPLEMENTED with no reason attached; that becomes an
// error wrapping ErrNotStater.
func (c *client) Stat(ctx context.Context, req StatRequest) (StatResult, error) {
	resp, err := c.rpc.Stat(ctx, &pb.StatRequest{Uri: req.URI, Validator: req.Validator})
	if err != nil {
		if st, ok := status.FromError(err); ok && st.Code() == codes.Unimplemented && len(st.Details()) == 0 {
			return StatResult{}, fmt.Errorf("%w (plugin answered: %s)", ErrNotStater, st.Message())
		}
		return StatResult{}, wireErrors.FromCall(ctx, err)
	}
	return StatResult{Validator: resp.GetValidator(), Size: resp.GetSize()}, nil
}

func rawOrNil(b []byte) json.RawMessage {
	if len(b) == 0 {
		return nil
	}
	return json.RawMessage(b)
}
