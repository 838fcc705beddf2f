package redact

import (
	"errors"
	"net/url"
	"strings"
	"testing"
)

func TestURI(t *testing.T) {
	tests := []struct {
		name, uri, want string
	}{
		{"no user info", "https://h/a?b=c", "https://h/a?b=c"},
		{"user only", "ftp://u@h/f", "ftp://u@h/f"},
		{"password", "ftp://u:sekrit@h:21/f", "ftp://u:xxxxx@h:21/f"},
		{"unparsable with password", "ftp://u:sekrit@h:port/f", "ftp://xxxxx@h:port/f"},
		{"unparsable, @ in the password", "ftp://u:a@b@h:port/f", "ftp://xxxxx@h:port/f"},
		{"unparsable without user info", "http://h:port/f", "http://h:port/f"},
		{"plain path", "/srv/data", "/srv/data"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := URI(tt.uri)
			if got != tt.want {
				t.Errorf("URI(%q) = %q, want %q", tt.uri, got, tt.want)
			}
			if strings.Contains(got, "sekrit") || strings.Contains(got, "a@b") {
				t.Errorf("URI(%q) = %q shows the password", tt.uri, got)
			}
		})
	}
}

func FuzzURI(f *testing.F) {
	for _, s := range []string{"ftp://u:pw@h/f", "ftp://u:pw@h:x/f", "http://h/%zz", "a:b@c", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, uri string) {
		got := URI(uri)
		u, err := url.Parse(uri)
		if err != nil {
			return
		}
		p, ok := u.User.Password()
		if !ok || p == "" || p == "xxxxx" {
			return
		}
		// The password must leave the user info. The same text elsewhere
		// in the URI (its path, say) is not the password and stays.
		g, err := url.Parse(got)
		if err != nil {
			t.Fatalf("URI(%q) = %q, which does not parse: %v", uri, got, err)
		}
		if gp, _ := g.User.Password(); gp == p {
			t.Errorf("URI(%q) = %q shows the password %q", uri, got, p)
		}
	})
}

func TestURLErrorCause(t *testing.T) {
	cause := errors.New("invalid port")
	if got := URLErrorCause(&url.Error{Op: "parse", URL: "ftp://u:sekrit@h:x/", Err: cause}); got != cause {
		t.Errorf("URLErrorCause(url.Error) = %v, want its cause", got)
	}
	if got := URLErrorCause(cause); got != cause {
		t.Errorf("URLErrorCause(other) = %v, want it unchanged", got)
	}
	if got := URLErrorCause(nil); got != nil {
		t.Errorf("URLErrorCause(nil) = %v", got)
	}
}
