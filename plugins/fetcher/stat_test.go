package fetcher_test

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/batchd/batchd/plugins/fetcher"
	"github.com/batchd/batchd/plugins/fetcher/fetchertest"
	"github.com/hashicorp/go-plugin"
)

func TestStatCrossesTheWire(t *testing.T) {
	var got fetcher.StatRequest
	impl := &fetcher.Fake{
		FetchFunc: func(context.Context, fetcher.Request, func(fetcher.Progress)) (fetcher.Result, error) {
			return fetcher.Result{Size: 3, SHA256: "ab", Validator: `etag:"v1"`}, nil
		},
		StatFunc: func(_ context.Context, req fetcher.StatRequest) (fetcher.StatResult, error) {
			got = req
			return fetcher.StatResult{Validator: `etag:"v2"`, Size: 1 << 40}, nil
		},
	}
	f := fetchertest.Conn(t, impl)
	res, err := f.Fetch(context.Background(), fetcher.Request{URI: "http://h/a", Dest: "/tmp/a"}, nil)
	if err != nil || res.Validator != `etag:"v1"` {
		t.Fatalf("Fetch = %+v, %v; want the validator", res, err)
	}
	req := fetcher.StatRequest{URI: "http://h/a", Validator: `etag:"v1"`}
	st, err := f.(fetcher.Stater).Stat(context.Background(), req)
	if err != nil {
		t.Fatalf("Stat: %v", err)
	}
	if st != (fetcher.StatResult{Validator: `etag:"v2"`, Size: 1 << 40}) || got != req {
		t.Errorf("Stat: plugin got %+v, batchd got %+v", got, st)
	}
}

func TestStatErrors(t *testing.T) {
	for _, want := range []error{fetcher.ErrNotFound, fetcher.ErrPermission, fetcher.ErrUnavailable, fetcher.ErrNotStater} {
		t.Run(want.Error(), func(t *testing.T) {
			s := fetchertest.Stater(t, &fetcher.Fake{StatFunc: func(context.Context, fetcher.StatRequest) (fetcher.StatResult, error) {
				return fetcher.StatResult{}, fmt.Errorf("stat x: %w", want)
			}})
			_, err := s.Stat(context.Background(), fetcher.StatRequest{URI: "x"})
			if !errors.Is(err, want) {
				t.Errorf("Stat: %v, want %v", err, want)
			}
		})
	}
}

func TestStatOnPluginsWithoutIt(t *testing.T) {
	t.Run("plugin without Stat", func(t *testing.T) {
		s := fetchertest.Stater(t, fetchOnly{&fetcher.Fake{}})
		if _, err := s.Stat(context.Background(), fetcher.StatRequest{URI: "x"}); !errors.Is(err, fetcher.ErrNotStater) {
			t.Errorf("Stat: %v, want ErrNotStater", err)
		}
	})
	t.Run("plugin older than Stat", func(t *testing.T) {
		c, _ := plugin.TestPluginGRPCConn(t, false, map[string]plugin.Plugin{fetcher.PluginName: oldPlugin{}})
		t.Cleanup(func() { _ = c.Close() })
		raw, err := c.Dispense(fetcher.PluginName)
		if err != nil {
			t.Fatal(err)
		}
		_, err = raw.(fetcher.Stater).Stat(context.Background(), fetcher.StatRequest{URI: "x"})
		if !errors.Is(err, fetcher.ErrNotStater) || errors.Is(err, fetcher.ErrUnsupported) {
			t.Errorf("Stat: %v, want ErrNotStater", err)
		}
	})
}
