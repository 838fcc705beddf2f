package ftpfetch

import (
	"errors"
	"net/url"
	"strings"
	"testing"

	"github.com/batchd/batchd/plugins/fetcher"
)

func TestParseTarget(t *testing.T) {
	cfg := Config{User: "conf", Password: "confpw"}
	cases := []struct {
		name, uri                  string
		cfg                        Config
		addr, path, user, password string
		tls                        bool
	}{
		{name: "configured user", uri: "ftp://h/a/b.txt", cfg: cfg, addr: "h:21", path: "a/b.txt", user: "conf", password: "confpw"},
		{name: "uri user and password win", uri: "ftp://u:p%40ss@h:2121/f", cfg: cfg, addr: "h:2121", path: "f", user: "u", password: "p@ss"},
		{name: "same user takes configured password", uri: "ftps://conf@h/f", cfg: cfg, addr: "h:21", path: "f", user: "conf", password: "confpw", tls: true},
		{name: "other user gets no configured password", uri: "ftp://other@h/f", cfg: cfg, addr: "h:21", path: "f", user: "other", password: ""},
		{name: "anonymous", uri: "FTP://h/f", addr: "h:21", path: "f", user: "anonymous", password: "anonymous@"},
		{name: "named anonymous", uri: "ftp://anonymous@h/f", cfg: cfg, addr: "h:21", path: "f", user: "anonymous", password: "anonymous@"},
		{name: "absolute path", uri: "ftp://h/%2Fsrv/f", addr: "h:21", path: "/srv/f", user: "anonymous", password: "anonymous@"},
		{name: "ipv6", uri: "ftp://[::1]:2121/f", addr: "[::1]:2121", path: "f", user: "anonymous", password: "anonymous@"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := parseTarget(tc.uri, tc.cfg)
			if err != nil {
				t.Fatal(err)
			}
			if got.addr != tc.addr || got.path != tc.path || got.user != tc.user || got.password != tc.password || got.tls != tc.tls {
				t.Errorf("got %+v", got)
			}
			if tc.password != "" && tc.password != "anonymous@" && strings.Contains(got.redacted, tc.password) {
				t.Errorf("redacted %q holds the password", got.redacted)
			}
		})
	}
	bad := []struct{ name, uri, want string }{
		{"other scheme", "http://h/f", "want an ftp"},
		{"no host", "ftp:///f", "no host"},
		{"no file", "ftp://h/", "no file"},
		{"folder", "ftp://h/dir/", "no file"},
		{"newline in path", "ftp://h/a%0d%0aDELE%20x", "control character"},
		{"newline in password", "ftp://u:a%0aSITE@h/f", "control character"},
		{"unparsable with password", "ftp://u:sekrit@h:port/f", "invalid port"},
	}
	for _, tc := range bad {
		t.Run(tc.name, func(t *testing.T) {
			_, err := parseTarget(tc.uri, Config{})
			if !errors.Is(err, fetcher.ErrUnsupported) || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("err = %v, want ErrUnsupported mentioning %q", err, tc.want)
			}
			if err != nil && strings.Contains(err.Error(), "sekrit") {
				t.Errorf("err = %v holds the password", err)
			}
		})
	}
}

// FuzzParseTarget feeds hostile URIs: parsing must not panic, a password
// must never show in the redacted URI or an error, and no control
// character may reach a command.
func FuzzParseTarget(f *testing.F) {
	for _, s := range []string{"ftp://u:p@h/f", "ftps://h:21/%2Fa/b", "ftp://u:p@h:x/f", "ftp://[::1]/a", "ftp://u:p%0a@h/f"} {
		f.Add(s, "pw-secret")
	}
	f.Fuzz(func(t *testing.T, uri, password string) {
		tgt, err := parseTarget(uri, Config{User: "conf", Password: password})
		if err != nil {
			return
		}
		if strings.ContainsAny(tgt.path+tgt.user+tgt.password, "\r\n\x00") {
			t.Errorf("control character passed through: %+v", tgt)
		}
		if tgt.path == "" || tgt.addr == "" {
			t.Errorf("empty path or address accepted: %+v", tgt)
		}
		r, err := url.Parse(tgt.redacted)
		if err != nil {
			t.Fatalf("redacted %q does not parse: %v", tgt.redacted, err)
		}
		if p, ok := r.User.Password(); ok && p != "xxxxx" {
			t.Errorf("redacted %q shows a password", tgt.redacted)
		}
	})
}
