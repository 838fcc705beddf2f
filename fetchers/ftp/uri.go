package ftpfetch

import (
	"fmt"
	"net"
	"net/url"
	"strings"

	"github.com/batchd/batchd/plugins/sdk"
)

// target is a parsed ftp or ftps URI with the credentials to use for it.
type target struct {
	tls      bool
	host     string // host name or IP, for TLS verification and messages
	addr     string // host:port
	path     string // as sent to the server
	user     string
	password string
	redacted string // the URI with any password hidden, for errors
}

// parseTarget parses uri and picks its credentials; its errors name the
// URI (redacted) for the caller to prefix with what it was doing. A user in the URI wins
// over the configured one; a password in the URI wins over the configured
// one, which is used only for the configured user. Without any user the
// login is anonymous, with the password "anonymous@" unless one is given.
//
// The path is taken relative to the login folder, as RFC 1738 says and
// curl does: ftp://host/a/b.txt asks for "a/b.txt"; a leading %2F makes it
// absolute (ftp://host/%2Fsrv/b.txt asks for "/srv/b.txt").
func parseTarget(uri string, cfg Config) (target, error) {
	u, err := url.Parse(uri)
	if err != nil {
		return target{}, fmt.Errorf("%s: %w: %w", sdk.RedactURI(uri), sdk.ErrUnsupported, sdk.URLErrorCause(err))
	}
	red := u.Redacted()
	var t target
	switch strings.ToLower(u.Scheme) {
	case "ftp":
	case "ftps":
		t.tls = true
	default:
		return target{}, fmt.Errorf("%s: %w: want an ftp:// or ftps:// URI", red, sdk.ErrUnsupported)
	}
	t.host = u.Hostname()
	if t.host == "" {
		return target{}, fmt.Errorf("%s: %w: the URI names no host", red, sdk.ErrUnsupported)
	}
	port := u.Port()
	if port == "" {
		port = "21"
	}
	t.addr = net.JoinHostPort(t.host, port)
	t.path = strings.TrimPrefix(u.Path, "/")
	if t.path == "" || strings.HasSuffix(t.path, "/") {
		return target{}, fmt.Errorf("%s: %w: the URI names no file", red, sdk.ErrUnsupported)
	}
	if strings.ContainsAny(t.path, "\r\n\x00") {
		return target{}, fmt.Errorf("%s: %w: the path holds a control character", red, sdk.ErrUnsupported)
	}
	t.user, t.password = cfg.User, cfg.Password
	if u.User != nil && u.User.Username() != "" {
		if u.User.Username() != cfg.User {
			t.password = ""
		}
		t.user = u.User.Username()
	}
	if p, ok := u.User.Password(); ok {
		t.password = p
	}
	if t.user == "" {
		t.user = "anonymous"
	}
	if t.user == "anonymous" && t.password == "" {
		// Some servers want a non-empty (traditionally e-mail) password.
		t.password = "anonymous@"
	}
	if strings.ContainsAny(t.user+t.password, "\r\n\x00") {
		return target{}, fmt.Errorf("%s: %w: the user or password holds a control character", red, sdk.ErrUnsupported)
	}
	t.redacted = red
	return t, nil
}
