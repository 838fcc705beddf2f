package fetcher_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"testing"

	"github.com/batchd/batchd/plugins/fetcher"
	"github.com/batchd/batchd/plugins/fetcher/fetchertest"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func TestDescribeAndConfigure(t *testing.T) {
	var got json.RawMessage
	f := fetchertest.Conn(t, &fetcher.Fake{
		DescribeFunc: func(context.Context) (fetcher.Info, error) {
			return fetcher.Info{Name: "http", Version: "1.2.3", Schemes: []string{"http", "https"}}, nil
		},
		ConfigureFunc: func(_ context.Context, s json.RawMessage) error { got = s; return nil },
	})
	info, err := f.Describe(context.Background())
	if err != nil {
		t.Fatalf("Describe: %v", err)
	}
	if want := (fetcher.Info{Name: "http", Version: "1.2.3", Schemes: []string{"http", "https"}}); !reflect.DeepEqual(info, want) {
		t.Errorf("Describe = %+v, want %+v", info, want)
	}
	settings := json.RawMessage(`{"timeout":"30s","headers":{"X-A":"b"}}`)
	if err := f.Configure(context.Background(), settings); err != nil {
		t.Fatalf("Configure: %v", err)
	}
	if string(got) != string(settings) {
		t.Errorf("plugin got settings %s, want %s", got, settings)
	}
}

func TestFetchStreamsProgressThenResult(t *testing.T) {
	f := fetchertest.Conn(t, &fetcher.Fake{FetchFunc: func(ctx context.Context, req fetcher.Request, progress func(fetcher.Progress)) (fetcher.Result, error) {
		if req.URI != "http://example.com/a.tgz" || req.Dest != "/tmp/x/blob" {
			return fetcher.Result{}, fmt.Errorf("unexpected request %+v", req)
		}
		for i := int64(1); i <= 100; i++ {
			progress(fetcher.Progress{Bytes: i * 10, Total: 1000})
		}
		return fetcher.Result{Size: 1000, SHA256: "abc123"}, nil
	}})
	var events []fetcher.Progress
	res, err := f.Fetch(context.Background(), fetcher.Request{URI: "http://example.com/a.tgz", Dest: "/tmp/x/blob"},
		func(p fetcher.Progress) { events = append(events, p) })
	if err != nil {
		t.Fatalf("Fetch: %v", err)
	}
	if res != (fetcher.Result{Size: 1000, SHA256: "abc123"}) {
		t.Errorf("result = %+v", res)
	}
	if len(events) != 100 || events[0] != (fetcher.Progress{Bytes: 10, Total: 1000}) || events[99].Bytes != 1000 {
		t.Errorf("got %d progress events, first %+v", len(events), events)
	}
	// A nil progress function is allowed.
	if _, err := f.Fetch(context.Background(), fetcher.Request{URI: "http://example.com/a.tgz", Dest: "/tmp/x/blob"}, nil); err != nil {
		t.Errorf("Fetch with nil progress: %v", err)
	}
}

func TestErrorsCrossTheWire(t *testing.T) {
	sentinels := []error{fetcher.ErrNotFound, fetcher.ErrPermission, fetcher.ErrUnsupported, fetcher.ErrUnavailable, fetcher.ErrInvalidConfig}
	tests := []struct {
		name string
		err  error
		want error
	}{
		{name: "not found", err: fmt.Errorf("fetching http://example.com/x: HTTP 404: %w", fetcher.ErrNotFound), want: fetcher.ErrNotFound},
		{name: "permission", err: fmt.Errorf("opening /etc/shadow: %w", fetcher.ErrPermission), want: fetcher.ErrPermission},
		{name: "unsupported", err: fmt.Errorf("scheme gopher: %w", fetcher.ErrUnsupported), want: fetcher.ErrUnsupported},
		{name: "unavailable", err: fmt.Errorf("dial tcp: connection refused: %w", fetcher.ErrUnavailable), want: fetcher.ErrUnavailable},
		{name: "invalid config", err: fmt.Errorf("timeout %q: %w", "soon", fetcher.ErrInvalidConfig), want: fetcher.ErrInvalidConfig},
		{name: "plain", err: errors.New("disk full")},
		{name: "canceled", err: fmt.Errorf("fetching: %w", context.Canceled), want: context.Canceled},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f := fetchertest.Conn(t, &fetcher.Fake{
				DescribeFunc:  func(context.Context) (fetcher.Info, error) { return fetcher.Info{}, tc.err },
				ConfigureFunc: func(context.Context, json.RawMessage) error { return tc.err },
				FetchFunc: func(ctx context.Context, req fetcher.Request, progress func(fetcher.Progress)) (fetcher.Result, error) {
					progress(fetcher.Progress{Bytes: 1, Total: -1})
					return fetcher.Result{}, tc.err
				},
			})
			calls := map[string]error{}
			_, calls["Describe"] = f.Describe(context.Background())
			calls["Configure"] = f.Configure(context.Background(), nil)
			_, calls["Fetch"] = f.Fetch(context.Background(), fetcher.Request{URI: "x://y", Dest: "/nowhere"}, func(fetcher.Progress) {})
			for call, err := range calls {
				if err == nil || err.Error() != tc.err.Error() {
					t.Fatalf("%s: error %v, want the plugin's %q", call, err, tc.err)
				}
				for _, s := range sentinels {
					if is := errors.Is(err, s); is != (s == tc.want) {
						t.Errorf("%s: errors.Is(%v, %v) = %v", call, err, s, is)
					}
				}
				if tc.want != nil && !errors.Is(err, tc.want) {
					t.Errorf("%s: %v does not match %v", call, err, tc.want)
				}
			}
		})
	}
}

func TestFetchCancellationReachesPlugin(t *testing.T) {
	started := make(chan struct{})
	sawCancel := make(chan error, 1)
	f := fetchertest.Conn(t, &fetcher.Fake{FetchFunc: func(ctx context.Context, req fetcher.Request, progress func(fetcher.Progress)) (fetcher.Result, error) {
		progress(fetcher.Progress{Bytes: 0, Total: -1})
		<-ctx.Done()
		sawCancel <- ctx.Err()
		return fetcher.Result{}, fmt.Errorf("fetching %s: %w", req.URI, ctx.Err())
	}})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var err error
	_, err = f.Fetch(ctx, fetcher.Request{URI: "http://slow", Dest: "/tmp/slow"}, func(fetcher.Progress) {
		select {
		case <-started:
		default:
			close(started)
			cancel()
		}
	})
	if !errors.Is(err, context.Canceled) {
		t.Errorf("Fetch returned %v, want context.Canceled", err)
	}
	if err := <-sawCancel; !errors.Is(err, context.Canceled) {
		t.Errorf("plugin saw %v, want context.Canceled", err)
	}
}

func TestFetchRequestCrossesTheWire(t *testing.T) {
	tests := []struct {
		name string
		req  fetcher.Request
	}{
		{"fresh", fetcher.Request{URI: "ftp://h/a", Dest: "/tmp/a"}},
		{"resume", fetcher.Request{URI: "ftp://h/a", Dest: "/tmp/a", Offset: 1 << 40, KeepPartial: true}},
		{"keep partial only", fetcher.Request{URI: "http://h/b", Dest: "/tmp/b", KeepPartial: true}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var got fetcher.Request
			f := fetchertest.Conn(t, &fetcher.Fake{FetchFunc: func(_ context.Context, req fetcher.Request, _ func(fetcher.Progress)) (fetcher.Result, error) {
				got = req
				return fetcher.Result{Size: req.Offset}, nil
			}})
			res, err := f.Fetch(context.Background(), tc.req, nil)
			if err != nil {
				t.Fatalf("Fetch: %v", err)
			}
			if got != tc.req || res.Size != tc.req.Offset {
				t.Errorf("plugin got %+v (result %+v), want %+v", got, res, tc.req)
			}
		})
	}
}
