package fetcher_test

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"

	"github.com/batchd/batchd/plugins/fetcher"
	"github.com/batchd/batchd/plugins/fetcher/fetchertest"
	pb "github.com/batchd/batchd/plugins/fetcher/proto"
	"github.com/hashicorp/go-plugin"
	"google.golang.org/grpc"
)

func TestExtractCrossesTheWire(t *testing.T) {
	var got fetcher.ExtractRequest
	impl := &fetcher.Fake{
		DescribeFunc: func(context.Context) (fetcher.Info, error) {
			return fetcher.Info{Name: "archive", Formats: []string{"tar.gz", "zip"}}, nil
		},
		ExtractFunc: func(_ context.Context, req fetcher.ExtractRequest) (fetcher.ExtractResult, error) {
			got = req
			return fetcher.ExtractResult{Files: 3, Bytes: 1 << 40}, nil
		},
	}
	f := fetchertest.Conn(t, impl)
	info, err := f.Describe(context.Background())
	if err != nil || !reflect.DeepEqual(info.Formats, []string{"tar.gz", "zip"}) {
		t.Fatalf("Describe = %+v, %v; want the formats", info, err)
	}
	x := f.(fetcher.Extractor)
	req := fetcher.ExtractRequest{Archive: "/staging/ab12", Name: "tools.tgz", Format: "tgz", Dest: "/tmp/x", MaxBytes: 1 << 30, MaxFiles: 7}
	res, err := x.Extract(context.Background(), req)
	if err != nil {
		t.Fatalf("Extract: %v", err)
	}
	if res != (fetcher.ExtractResult{Files: 3, Bytes: 1 << 40}) || got != req {
		t.Errorf("Extract: plugin got %+v, batchd got %+v", got, res)
	}
}

func TestExtractErrors(t *testing.T) {
	tests := []struct {
		name string
		err  error
		want error
	}{
		{name: "unsafe", err: fmt.Errorf(`extracting a.tgz: entry "../x": escapes the target folder: %w`, fetcher.ErrUnsafeArchive), want: fetcher.ErrUnsafeArchive},
		{name: "unsupported format", err: fmt.Errorf("format rar: %w", fetcher.ErrUnsupported), want: fetcher.ErrUnsupported},
		{name: "missing archive", err: fmt.Errorf("opening /x: %w", fetcher.ErrNotFound), want: fetcher.ErrNotFound},
		{name: "not an extractor", err: fmt.Errorf("no: %w", fetcher.ErrNotExtractor), want: fetcher.ErrNotExtractor},
		{name: "canceled", err: fmt.Errorf("extracting: %w", context.Canceled), want: context.Canceled},
	}
	others := []error{fetcher.ErrUnsafeArchive, fetcher.ErrUnsupported, fetcher.ErrNotFound, fetcher.ErrNotExtractor, fetcher.ErrInvalidConfig}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			x := fetchertest.Extractor(t, &fetcher.Fake{ExtractFunc: func(context.Context, fetcher.ExtractRequest) (fetcher.ExtractResult, error) {
				return fetcher.ExtractResult{}, tc.err
			}})
			_, err := x.Extract(context.Background(), fetcher.ExtractRequest{Archive: "/a.tgz"})
			if err == nil || err.Error() != tc.err.Error() || !errors.Is(err, tc.want) {
				t.Fatalf("Extract: %v, want the plugin's %q matching %v", err, tc.err, tc.want)
			}
			for _, s := range others {
				if s != tc.want && errors.Is(err, s) {
					t.Errorf("%v also matches %v", err, s)
				}
			}
		})
	}
}

// fetchOnly is a plugin built against this contract that does not extract.
type fetchOnly struct{ fetcher.Fetcher }

// oldPlugin serves a fetcher built before Extract existed: its gRPC server
// has no Extract method at all.
type oldPlugin struct{ plugin.NetRPCUnsupportedPlugin }

type oldServer struct{ pb.UnimplementedFetcherServer }

func (oldPlugin) GRPCServer(_ *plugin.GRPCBroker, s *grpc.Server) error {
	pb.RegisterFetcherServer(s, oldServer{})
	return nil
}

func (oldPlugin) GRPCClient(ctx context.Context, b *plugin.GRPCBroker, c *grpc.ClientConn) (any, error) {
	return (&fetcher.GRPCPlugin{}).GRPCClient(ctx, b, c)
}

func TestExtractOnPluginsWithoutIt(t *testing.T) {
	t.Run("fetch-only plugin", func(t *testing.T) {
		x := fetchertest.Extractor(t, fetchOnly{&fetcher.Fake{}})
		_, err := x.Extract(context.Background(), fetcher.ExtractRequest{Archive: "/a.tgz"})
		if !errors.Is(err, fetcher.ErrNotExtractor) {
			t.Errorf("Extract: %v, want ErrNotExtractor", err)
		}
	})
	t.Run("plugin older than Extract", func(t *testing.T) {
		c, _ := plugin.TestPluginGRPCConn(t, false, map[string]plugin.Plugin{fetcher.PluginName: oldPlugin{}})
		t.Cleanup(func() { _ = c.Close() })
		raw, err := c.Dispense(fetcher.PluginName)
		if err != nil {
			t.Fatal(err)
		}
		_, err = raw.(fetcher.Extractor).Extract(context.Background(), fetcher.ExtractRequest{Archive: "/a.tgz"})
		if !errors.Is(err, fetcher.ErrNotExtractor) || errors.Is(err, fetcher.ErrUnsupported) || !strings.Contains(err.Error(), "Extract") {
			t.Errorf("Extract: %v, want ErrNotExtractor with gRPC's message", err)
		}
	})
}
