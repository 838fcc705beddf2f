package ftpfetch

import (
	"context"
	"errors"
	"net"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/batchd/batchd/internal/ftptest"
	"github.com/batchd/batchd/plugins/fetcher"
	"github.com/batchd/batchd/plugins/fetcher/fetchertest"
)

// TestResume drops the data connection mid-transfer and checks the next
// attempts continue with REST at the right offsets and the bytes and hash
// come out whole.
func TestResume(t *testing.T) {
	data, sum := fetchertest.Content(3<<20 + 77)
	cases := []struct {
		name      string
		noEPSV    bool
		drops     []int64 // bytes sent by RETR 1, 2, ... before the drop
		wantRests []int64
	}{
		{"one drop", false, []int64{1<<20 + 17}, []int64{1<<20 + 17}},
		{"two drops", false, []int64{1<<20 + 17, 1 << 20}, []int64{1<<20 + 17, 2<<20 + 17}},
		{"drop before any byte", false, []int64{0}, nil},
		{"drops over pasv", true, []int64{5, 100}, []int64{5, 105}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			srv := ftptest.NewFake(t, ftptest.FakeOptions{
				Files:  map[string][]byte{"data.bin": data},
				NoEPSV: tc.noEPSV,
				DropAfter: func(n int) int64 {
					if n <= len(tc.drops) {
						return tc.drops[n-1]
					}
					return -1
				},
			})
			var mu sync.Mutex
			var seen []fetcher.Progress
			res, dest, err := fetchertest.Fetch(t, context.Background(), New(testConfig()), srv.URL("data.bin"), func(p fetcher.Progress) {
				mu.Lock()
				seen = append(seen, p)
				mu.Unlock()
			})
			if err != nil {
				t.Fatal(err)
			}
			if res.Size != int64(len(data)) || res.SHA256 != sum {
				t.Errorf("got size %d sha256 %s, want %d %s", res.Size, res.SHA256, len(data), sum)
			}
			fetchertest.CheckFile(t, dest, sum)
			if got := srv.RestOffsets(); !slices.Equal(got, tc.wantRests) {
				t.Errorf("REST offsets = %v, want %v", got, tc.wantRests)
			}
			if got := srv.Count("RETR"); got != len(tc.drops)+1 {
				t.Errorf("RETR sent %d times, want %d", got, len(tc.drops)+1)
			}
			if tc.noEPSV && srv.Count("PASV") == 0 {
				t.Error("no PASV after EPSV was refused")
			}
			for i := 1; i < len(seen); i++ {
				if seen[i].Bytes < seen[i-1].Bytes {
					t.Errorf("progress went backwards: %+v then %+v", seen[i-1], seen[i])
				}
			}
		})
	}
}

// TestResumeRefused restarts from byte 0 when the server refuses REST.
func TestResumeRefused(t *testing.T) {
	data, sum := fetchertest.Content(100000)
	srv := ftptest.NewFake(t, ftptest.FakeOptions{
		Files: map[string][]byte{"data.bin": data},
		DropAfter: func(n int) int64 {
			if n == 1 {
				return 40000
			}
			return -1
		},
		Reply: func(cmd string, n int) string {
			if cmd == "REST" {
				return "502 REST not implemented"
			}
			return ""
		},
	})
	res, dest, err := fetchertest.Fetch(t, context.Background(), New(testConfig()), srv.URL("data.bin"), nil)
	if err != nil {
		t.Fatal(err)
	}
	if res.SHA256 != sum || res.Size != int64(len(data)) {
		t.Errorf("got %d bytes sha256 %s, want %d %s", res.Size, res.SHA256, len(data), sum)
	}
	fetchertest.CheckFile(t, dest, sum)
	// RETR dropped at 40000; REST 40000 refused; RETR from byte 0.
	if srv.Count("REST") != 1 || srv.Count("RETR") != 2 {
		t.Errorf("commands: %q; want one refused REST then a RETR from the start", srv.Commands())
	}
}

// TestFaults checks timeouts, exhausted retries and the answers that must
// not be retried.
func TestFaults(t *testing.T) {
	data, _ := fetchertest.Content(50000)
	files := map[string][]byte{"data.bin": data}
	refused := func() string {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		addr := ln.Addr().String()
		ln.Close()
		return "ftp://" + addr + "/data.bin"
	}()
	cases := []struct {
		name     string
		opts     ftptest.FakeOptions
		uri      string // default: the fake's data.bin
		want     []error
		contains []string
		retrs    int // RETR commands the server should see, -1 to skip the check
	}{
		{
			name:     "stalled command",
			opts:     ftptest.FakeOptions{Files: files, Reply: stall("SIZE")},
			want:     []error{fetcher.ErrUnavailable, os.ErrDeadlineExceeded},
			contains: []string{"did not answer within 200ms", "gave up after 2 attempts", "ftp://batchd:xxxxx@"},
			retrs:    0,
		},
		{
			name:     "stalled greeting reply to PASS",
			opts:     ftptest.FakeOptions{Files: files, Reply: stall("PASS")},
			want:     []error{fetcher.ErrUnavailable, os.ErrDeadlineExceeded},
			contains: []string{"logging in", "did not answer within 200ms"},
			retrs:    0,
		},
		{
			name:     "stalled data",
			opts:     ftptest.FakeOptions{Files: files, StallAfter: func(int) int64 { return 1000 }},
			want:     []error{fetcher.ErrUnavailable, os.ErrDeadlineExceeded},
			contains: []string{"(resumed at 1000)", "did not answer within 200ms"},
			retrs:    2,
		},
		{
			name:     "retries exhausted on 421",
			opts:     ftptest.FakeOptions{Files: files, Reply: answer("RETR", "421 Too many users")},
			want:     []error{fetcher.ErrUnavailable},
			contains: []string{"gave up after 2 attempts", "421", "Too many users"},
			retrs:    2,
		},
		{
			name:     "drops every time",
			opts:     ftptest.FakeOptions{Files: files, DropAfter: func(int) int64 { return 10 }},
			want:     []error{fetcher.ErrUnavailable},
			contains: []string{"gave up after 2 attempts"},
			retrs:    2,
		},
		{
			name:     "550 on retr",
			opts:     ftptest.FakeOptions{Files: files, Reply: answer("RETR", "550 Permission denied")},
			want:     []error{fetcher.ErrNotFound},
			contains: []string{"550", "Permission denied"},
			retrs:    1,
		},
		{
			name:     "530 on pass",
			opts:     ftptest.FakeOptions{Files: files, Reply: answer("PASS", "530 Not logged in")},
			want:     []error{fetcher.ErrPermission},
			contains: []string{`login failed for user "batchd"`},
			retrs:    0,
		},
		{
			name:     "connection refused",
			uri:      refused,
			want:     []error{fetcher.ErrUnavailable},
			contains: []string{"connection refused", "gave up after 2 attempts"},
			retrs:    -1,
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			srv := ftptest.NewFake(t, tc.opts)
			uri := tc.uri
			if uri == "" {
				uri = srv.URL("data.bin")
			}
			cfg := testConfig()
			cfg.Timeout, cfg.Retries = 200*time.Millisecond, 1
			start := time.Now()
			_, dest, err := fetchertest.Fetch(t, context.Background(), New(cfg), uri, nil)
			if err == nil {
				t.Fatal("fetch succeeded")
			}
			for _, w := range tc.want {
				if !errors.Is(err, w) {
					t.Errorf("err = %v, want it to wrap %v", err, w)
				}
			}
			for _, c := range tc.contains {
				if !strings.Contains(err.Error(), c) {
					t.Errorf("err = %v, want it to mention %q", err, c)
				}
			}
			if strings.Contains(err.Error(), srv.Password) {
				t.Errorf("err = %v holds the password", err)
			}
			if tc.retrs >= 0 && srv.Count("RETR") != tc.retrs {
				t.Errorf("RETR sent %d times, want %d", srv.Count("RETR"), tc.retrs)
			}
			if d := time.Since(start); d > 5*time.Second {
				t.Errorf("took %s", d)
			}
			fetchertest.CheckGone(t, dest)
		})
	}
}

// stall leaves every cmd unanswered.
func stall(cmd string) func(string, int) string {
	return answer(cmd, "-")
}

// answer replies line to every cmd.
func answer(cmd, line string) func(string, int) string {
	return func(c string, _ int) string {
		if c == cmd {
			return line
		}
		return ""
	}
}
