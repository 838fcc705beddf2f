package ftpfetch

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/batchd/batchd/internal/ftptest"
	"github.com/batchd/batchd/plugins/fetcher"
	"github.com/batchd/batchd/plugins/fetcher/fetchertest"
)

// withUser returns the server's URL for name with user (and password, when
// not empty) in it.
func withUser(s *ftptest.Server, scheme, name, user, password string) string {
	u, _ := url.Parse(s.URL(scheme, name))
	if password == "" {
		u.User = url.User(user)
	} else {
		u.User = url.UserPassword(user, password)
	}
	return u.String()
}

// realServers are the real FTP servers the fetcher is tested against.
var realServers = []struct {
	name  string
	start func(testing.TB, ftptest.Options) *ftptest.Server
}{
	{"pyftpdlib", ftptest.Start},
	{"vsftpd", ftptest.StartVsftpd},
}

// hasCommand reports whether one of cmds starts with prefix.
func hasCommand(cmds []string, prefix string) bool {
	return slices.ContainsFunc(cmds, func(c string) bool { return strings.HasPrefix(c, prefix) })
}

// TestRealServer fetches files of several sizes from each real server,
// plain and over explicit TLS, through the real gRPC shims.
func TestRealServer(t *testing.T) {
	for _, rs := range realServers {
		t.Run(rs.name, func(t *testing.T) { testRealServer(t, rs.start) })
	}
}

func testRealServer(t *testing.T, start func(testing.TB, ftptest.Options) *ftptest.Server) {
	srv := start(t, ftptest.Options{TLS: true})
	tlsOnly := start(t, ftptest.Options{RequireTLS: true})
	files := map[string]int{"empty.bin": 0, "one.bin": 1, "dir/small.txt": 1000, "big.bin": 5<<20 + 123}
	sums := map[string]string{}
	for name, n := range files {
		data, sum := fetchertest.Content(n)
		srv.WriteFile(t, name, data)
		tlsOnly.WriteFile(t, name, data)
		sums[name] = sum
	}
	cases := []struct {
		name     string
		srv      *ftptest.Server
		scheme   string
		settings string
		sent     []string // commands the server must have seen
		notSent  []string
	}{
		{"plain", srv, "ftp", `{}`, []string{"EPSV", "SIZE big.bin", "RETR big.bin"}, []string{"PASV", "AUTH"}},
		{"plain pasv only", srv, "ftp", `{"disable_epsv": true}`, []string{"PASV"}, []string{"EPSV"}},
		// tlsOnly refuses logins and data connections without TLS.
		{"tls with ca_file", tlsOnly, "ftps", fmt.Sprintf(`{"ca_file": %q}`, tlsOnly.Cert.CAFile),
			[]string{"AUTH TLS", "PBSZ 0", "PROT P", "EPSV", "RETR big.bin"}, nil},
		{"tls insecure_skip_verify", tlsOnly, "ftps", `{"insecure_skip_verify": true, "disable_epsv": true}`,
			[]string{"AUTH TLS", "PROT P", "PASV", "RETR big.bin"}, []string{"EPSV"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			logStart := len(tc.srv.Log(t))
			impl := New(testConfig())
			configure(t, impl, tc.settings)
			f := fetchertest.Conn(t, impl)
			for name, n := range files {
				var last fetcher.Progress
				uri := withUser(tc.srv, tc.scheme, name, tc.srv.User, tc.srv.Password)
				res, dest, err := fetchertest.Fetch(t, context.Background(), f, uri, func(p fetcher.Progress) { last = p })
				if err != nil {
					t.Fatalf("%s: %v", name, err)
				}
				if res.Size != int64(n) || res.SHA256 != sums[name] {
					t.Errorf("%s: got size %d sha256 %s, want %d %s", name, res.Size, res.SHA256, n, sums[name])
				}
				fetchertest.CheckFile(t, dest, sums[name])
				if last.Bytes != int64(n) || last.Total != int64(n) {
					t.Errorf("%s: last progress %+v, want %d of %d", name, last, n, n)
				}
			}
			cmds := ftptest.Commands(tc.srv.Log(t)[logStart:])
			for _, c := range tc.sent {
				if !hasCommand(cmds, c) {
					t.Errorf("the server saw no %q in %q", c, cmds)
				}
			}
			for _, c := range tc.notSent {
				if hasCommand(cmds, c) {
					t.Errorf("the server saw %q in %q", c, cmds)
				}
			}
		})
	}
	t.Run("tls required refuses plain ftp", func(t *testing.T) {
		f := New(testConfig())
		_, dest, err := fetchertest.Fetch(t, context.Background(), f, withUser(tlsOnly, "ftp", "one.bin", tlsOnly.User, tlsOnly.Password), nil)
		if !errors.Is(err, fetcher.ErrPermission) {
			t.Fatalf("err = %v, want a refused login", err)
		}
		fetchertest.CheckGone(t, dest)
	})
	t.Run("untrusted certificate", func(t *testing.T) {
		f := New(testConfig())
		_, _, err := fetchertest.Fetch(t, context.Background(), f, withUser(tlsOnly, "ftps", "one.bin", tlsOnly.User, tlsOnly.Password), nil)
		if err == nil || !strings.Contains(err.Error(), "certificate") {
			t.Fatalf("err = %v, want a certificate verification error", err)
		}
		if strings.Contains(err.Error(), "attempts") {
			t.Errorf("a certificate error was retried: %v", err)
		}
	})
}

// TestRealServerErrors checks the errors for a refused login, a missing
// file and a folder, and that no password leaks into them.
func TestRealServerErrors(t *testing.T) {
	for _, rs := range realServers {
		t.Run(rs.name, func(t *testing.T) {
			srv := rs.start(t, ftptest.Options{Password: "s3cret-Pa55"})
			srv.WriteFile(t, "dir/a.txt", []byte("a"))
			// vsftpd serves anonymous only: any named user is refused.
			badUser, badPass := srv.User, "wrong-Pa55"
			if srv.User == "anonymous" {
				badUser = "batchd"
			}
			cases := []struct {
				name     string
				uri      string
				want     error
				contains string
			}{
				{"bad password", withUser(srv, "ftp", "dir/a.txt", badUser, badPass), fetcher.ErrPermission,
					fmt.Sprintf("login failed for user %q on %s", badUser, srv.Addr)},
				{"unknown user", withUser(srv, "ftp", "dir/a.txt", "nobody", badPass), fetcher.ErrPermission, `login failed for user "nobody"`},
				{"missing file", withUser(srv, "ftp", "dir/none.txt", srv.User, srv.Password), fetcher.ErrNotFound, "550"},
				{"missing folder", withUser(srv, "ftp", "nodir/a.txt", srv.User, srv.Password), fetcher.ErrNotFound, "550"},
				{"folder", withUser(srv, "ftp", "dir", srv.User, srv.Password), fetcher.ErrUnsupported, "dir is a folder"},
			}
			for _, tc := range cases {
				t.Run(tc.name, func(t *testing.T) {
					f := fetchertest.Conn(t, New(testConfig()))
					_, dest, err := fetchertest.Fetch(t, context.Background(), f, tc.uri, nil)
					if !errors.Is(err, tc.want) {
						t.Fatalf("err = %v, want %v", err, tc.want)
					}
					if !strings.Contains(err.Error(), tc.contains) {
						t.Errorf("err = %v, want it to mention %q", err, tc.contains)
					}
					for _, secret := range []string{badPass, "s3cret-Pa55"} {
						if strings.Contains(err.Error(), secret) {
							t.Errorf("err = %v holds a password", err)
						}
					}
					fetchertest.CheckGone(t, dest)
				})
			}
		})
	}
}

// TestRealServerPasswordSources logs in with passwords from a file, from
// the environment and from the URI, which wins over the configured one.
func TestRealServerPasswordSources(t *testing.T) {
	srv := ftptest.Start(t, ftptest.Options{})
	data, sum := fetchertest.Content(4096)
	srv.WriteFile(t, "f.bin", data)
	pwFile := filepath.Join(t.TempDir(), "pw")
	if err := os.WriteFile(pwFile, []byte(srv.Password+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv("BATCHD_TEST_FTP_PASSWORD", srv.Password)
	cases := []struct {
		name     string
		settings string
		uri      string
	}{
		{"password_file", fmt.Sprintf(`{"user": %q, "password_file": %q}`, srv.User, pwFile), srv.URL("ftp", "f.bin")},
		{"password_env", fmt.Sprintf(`{"user": %q, "password_env": "BATCHD_TEST_FTP_PASSWORD"}`, srv.User), srv.URL("ftp", "f.bin")},
		{"user in uri takes configured password", fmt.Sprintf(`{"user": %q, "password_file": %q}`, srv.User, pwFile), withUser(srv, "ftp", "f.bin", srv.User, "")},
		{"password in uri wins", fmt.Sprintf(`{"user": %q, "password_env": "NO_SUCH_VAR_SET_EMPTY"}`, srv.User), withUser(srv, "ftp", "f.bin", srv.User, srv.Password)},
	}
	t.Setenv("NO_SUCH_VAR_SET_EMPTY", "wrong")
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			f := New(testConfig())
			configure(t, f, tc.settings)
			res, _, err := fetchertest.Fetch(t, context.Background(), f, tc.uri, nil)
			if err != nil {
				t.Fatal(err)
			}
			if res.SHA256 != sum {
				t.Errorf("sha256 = %s, want %s", res.SHA256, sum)
			}
		})
	}
}
