package ftpfetch

import (
	"context"
	"errors"
	"fmt"
	"net"
	"testing"
	"time"

	"github.com/batchd/batchd/internal/ftptest"
	"github.com/batchd/batchd/plugins/fetcher"
	"github.com/batchd/batchd/plugins/fetcher/fetchertest"
)

// ftpValidator is the validator a file of size bytes modified at mtime
// must get.
func ftpValidator(size int, mtime time.Time) string {
	return fmt.Sprintf("ftp:%d:%s", size, mtime.UTC().Format(time.RFC3339))
}

// TestStatRealServer fetches and stats one file on each real server
// through the gRPC shims while the test rewrites it and sets its
// modification time, and checks the validators follow the versions.
func TestStatRealServer(t *testing.T) {
	for _, rs := range realServers {
		t.Run(rs.name, func(t *testing.T) {
			srv := rs.start(t, ftptest.Options{})
			now := time.Now().Truncate(time.Second)
			impl := New(testConfig())
			impl.now = func() time.Time { return now } // the clock stands still
			f := fetchertest.Conn(t, impl)
			st := f.(fetcher.Stater)
			uri := withUser(srv, "ftp", "dir/a.txt", srv.User, srv.Password)
			old := now.Add(-time.Hour)
			v1, v2, v3 := []byte("one two three"), []byte("ONE TWO THREE"), []byte("one two three four")
			steps := []struct {
				name    string
				data    []byte    // written before the step when not nil
				mtime   time.Time // set before the step when not zero
				want    string    // the validator of Fetch and Stat; "" for none
				changed bool      // want differs from the previous step's
			}{
				{"first version", v1, old, ftpValidator(len(v1), old), true},
				{"unchanged", nil, time.Time{}, ftpValidator(len(v1), old), false},
				{"same size, later mtime", v2, old.Add(time.Minute), ftpValidator(len(v2), old.Add(time.Minute)), true},
				{"other size, same mtime", v3, old.Add(time.Minute), ftpValidator(len(v3), old.Add(time.Minute)), true},
				{"modified just now", v1, now.Add(-racyWindow + time.Second), "", true},
				{"modified in the future", nil, now.Add(time.Hour), "", false},
				{"old enough", nil, now.Add(-racyWindow), ftpValidator(len(v1), now.Add(-racyWindow)), true},
				{"old again", nil, old, ftpValidator(len(v1), old), true},
			}
			prev := ""
			for _, s := range steps {
				if s.data != nil {
					srv.WriteFile(t, "dir/a.txt", s.data)
				}
				if !s.mtime.IsZero() {
					srv.SetModTime(t, "dir/a.txt", s.mtime)
				}
				res, _, err := fetchertest.Fetch(t, context.Background(), f, uri, nil)
				if err != nil {
					t.Fatalf("%s: Fetch: %v", s.name, err)
				}
				got, err := st.Stat(context.Background(), fetcher.StatRequest{URI: uri, Validator: prev})
				if err != nil {
					t.Fatalf("%s: Stat: %v", s.name, err)
				}
				if res.Validator != s.want || got.Validator != s.want {
					t.Errorf("%s: Fetch validator %q, Stat validator %q; want %q", s.name, res.Validator, got.Validator, s.want)
				}
				if got.Size != res.Size {
					t.Errorf("%s: Stat size %d, Fetch size %d", s.name, got.Size, res.Size)
				}
				if (got.Validator != prev) != s.changed {
					t.Errorf("%s: validator %q after %q; want changed = %v", s.name, got.Validator, prev, s.changed)
				}
				prev = got.Validator
			}
		})
	}
}

// TestStatRealServerErrors checks Stat's errors on each real server.
func TestStatRealServerErrors(t *testing.T) {
	for _, rs := range realServers {
		t.Run(rs.name, func(t *testing.T) {
			srv := rs.start(t, ftptest.Options{})
			srv.WriteFile(t, "dir/a.txt", []byte("a"))
			badUser := srv.User
			if badUser == "anonymous" { // vsftpd refuses any named user
				badUser = "batchd"
			}
			cases := []struct {
				name string
				uri  string
				want error
			}{
				{"missing file", withUser(srv, "ftp", "dir/none.txt", srv.User, srv.Password), fetcher.ErrNotFound},
				{"missing folder", withUser(srv, "ftp", "nodir/a.txt", srv.User, srv.Password), fetcher.ErrNotFound},
				{"folder", withUser(srv, "ftp", "dir", srv.User, srv.Password), fetcher.ErrUnsupported},
				{"refused login", withUser(srv, "ftp", "dir/a.txt", badUser, "wrong-Pa55"), fetcher.ErrPermission},
				{"no server", "ftp://" + closedAddr(t) + "/dir/a.txt", fetcher.ErrUnavailable},
				{"not ftp", "http://" + srv.Addr + "/dir/a.txt", fetcher.ErrUnsupported},
			}
			for _, tc := range cases {
				t.Run(tc.name, func(t *testing.T) {
					st := fetchertest.Stater(t, New(testConfig()))
					res, err := st.Stat(context.Background(), fetcher.StatRequest{URI: tc.uri})
					if !errors.Is(err, tc.want) {
						t.Fatalf("Stat = %+v, %v; want an error wrapping %v", res, err, tc.want)
					}
				})
			}
		})
	}
}

// closedAddr returns a loopback address nothing listens on: a port that
// was just bound and closed again.
func closedAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// TestValidatorFaults checks, on the fake server, the cases the real ones
// cannot show: a server without MDTM or SIZE, a file that changes during
// the transfer, a transfer resumed within one fetch and one resumed from
// an earlier fetch's bytes.
func TestValidatorFaults(t *testing.T) {
	data, sum := fetchertest.Content(200000)
	old := time.Now().Add(-time.Hour).Truncate(time.Second)
	mtimes := map[string]time.Time{"data.bin": old}
	// changedAt answers the n-th MDTM with a later time from the n-th on.
	changedAt := func(n int) func(string, int) string {
		return func(cmd string, i int) string {
			if cmd == "MDTM" && i >= n {
				return "213 " + old.Add(time.Minute).UTC().Format("20060102150405")
			}
			return ""
		}
	}
	refuse := func(command string) func(string, int) string {
		return func(cmd string, _ int) string {
			if cmd == command {
				return "502 " + command + " not implemented"
			}
			return ""
		}
	}
	dropFirst := func(n int) int64 {
		if n == 1 {
			return 70000
		}
		return -1
	}
	cases := []struct {
		name      string
		opts      ftptest.FakeOptions
		prefix    []byte // handed to Fetch as an earlier fetch's bytes
		wantFetch string
		wantStat  string
	}{
		{"mdtm and size", ftptest.FakeOptions{ModTimes: mtimes}, nil, ftpValidator(len(data), old), ftpValidator(len(data), old)},
		{"no mdtm", ftptest.FakeOptions{}, nil, "", ""},
		{"no size", ftptest.FakeOptions{ModTimes: mtimes, Reply: refuse("SIZE")}, nil, "", ""},
		{"mdtm refused", ftptest.FakeOptions{ModTimes: mtimes, Reply: refuse("MDTM")}, nil, "", ""},
		{"changed during the transfer", ftptest.FakeOptions{ModTimes: mtimes, Reply: changedAt(2)}, nil,
			"", ftpValidator(len(data), old.Add(time.Minute))},
		{"retried within the fetch", ftptest.FakeOptions{ModTimes: mtimes, DropAfter: dropFirst}, nil,
			ftpValidator(len(data), old), ftpValidator(len(data), old)},
		{"resumed from an earlier fetch", ftptest.FakeOptions{ModTimes: mtimes}, data[:1000],
			"", ftpValidator(len(data), old)},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			tc.opts.Files = map[string][]byte{"data.bin": data}
			srv := ftptest.NewFake(t, tc.opts)
			f := fetchertest.Conn(t, New(testConfig()))
			var res fetcher.Result
			var err error
			if tc.prefix != nil {
				res, _, err = fetchertest.Resume(t, context.Background(), f, srv.URL("data.bin"), tc.prefix)
			} else {
				res, _, err = fetchertest.Fetch(t, context.Background(), f, srv.URL("data.bin"), nil)
			}
			if err != nil {
				t.Fatal(err)
			}
			fetchertest.CheckResult(t, res, int64(len(data)), sum)
			got, err := f.(fetcher.Stater).Stat(context.Background(), fetcher.StatRequest{URI: srv.URL("data.bin")})
			if err != nil {
				t.Fatal(err)
			}
			if res.Validator != tc.wantFetch || got.Validator != tc.wantStat {
				t.Errorf("Fetch validator %q, Stat validator %q; want %q, %q (commands %q)",
					res.Validator, got.Validator, tc.wantFetch, tc.wantStat, srv.Commands())
			}
		})
	}
}

// TestStatCancel cancels a Stat waiting on a silent server.
func TestStatCancel(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	srv := ftptest.NewFake(t, ftptest.FakeOptions{Reply: func(cmd string, _ int) string {
		if cmd == "SIZE" {
			cancel()
			return "-"
		}
		return ""
	}})
	cfg := testConfig()
	cfg.Timeout = time.Minute
	start := time.Now()
	_, err := New(cfg).Stat(ctx, fetcher.StatRequest{URI: srv.URL("data.bin")})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want context.Canceled", err)
	}
	if d := time.Since(start); d > 10*time.Second {
		t.Errorf("Stat returned after %s", d)
	}
}
