package ftpfetch

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/batchd/batchd/internal/ftptest"
	"github.com/batchd/batchd/plugins/fetcher"
	"github.com/batchd/batchd/plugins/fetcher/fetchertest"
)

// TestCancel cancels fetches blocked on a silent server and checks they
// return at once (long before the timeout) with ctx's error.
func TestCancel(t *testing.T) {
	data, _ := fetchertest.Content(100000)
	cases := []struct {
		name string
		opts func(cancel func()) ftptest.FakeOptions
	}{
		{"during a stalled transfer", func(cancel func()) ftptest.FakeOptions {
			return ftptest.FakeOptions{StallAfter: func(int) int64 { cancel(); return 1000 }}
		}},
		{"during a stalled command", func(cancel func()) ftptest.FakeOptions {
			return ftptest.FakeOptions{Reply: func(cmd string, _ int) string {
				if cmd == "SIZE" {
					cancel()
					return "-"
				}
				return ""
			}}
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			opts := tc.opts(cancel)
			opts.Files = map[string][]byte{"data.bin": data}
			srv := ftptest.NewFake(t, opts)
			cfg := testConfig()
			cfg.Timeout = time.Minute
			start := time.Now()
			_, dest, err := fetchertest.Fetch(t, ctx, New(cfg), srv.URL("data.bin"), nil)
			if !errors.Is(err, context.Canceled) {
				t.Fatalf("err = %v, want context.Canceled", err)
			}
			if d := time.Since(start); d > 10*time.Second {
				t.Errorf("cancelled fetch took %s", d)
			}
			fetchertest.CheckGone(t, dest)
		})
	}
}

// TestMaxConnections runs more fetches than max_connections allows and
// checks the server never sees more transfers at once.
func TestMaxConnections(t *testing.T) {
	data, sum := fetchertest.Content(200000)
	var mu sync.Mutex
	inRetr := 0
	gate := make(chan struct{})
	srv := ftptest.NewFake(t, ftptest.FakeOptions{
		Files: map[string][]byte{"data.bin": data},
		// Hold each transfer until two are in flight, so the test knows
		// the bound was reached, not merely respected by luck.
		DropAfter: func(int) int64 {
			mu.Lock()
			inRetr++
			if inRetr == 2 {
				close(gate)
			}
			mu.Unlock()
			<-gate
			return -1
		},
	})
	f := New(testConfig())
	configure(t, f, `{"max_connections": 2}`)
	var wg sync.WaitGroup
	errs := make([]error, 6)
	sums := make([]string, 6)
	for i := range errs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var res fetcher.Result
			res, _, errs[i] = fetchertest.Fetch(t, context.Background(), f, srv.URL("data.bin"), nil)
			sums[i] = res.SHA256
		}()
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil || sums[i] != sum {
			t.Errorf("fetch %d: sha256 %s, err %v", i, sums[i], err)
		}
	}
	if p := srv.PeakTransfers(); p != 2 {
		t.Errorf("peak concurrent transfers = %d, want 2", p)
	}
}
