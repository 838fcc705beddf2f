// Package redact keeps passwords in URIs out of logs and errors. It needs
// only the standard library, so batchd's core and its plugins both use it
// without weight; plugin authors reach it through the SDK (sdk.RedactURI,
// sdk.URLErrorCause).
package redact

import (
	"net/url"
	"strings"
)

// URI returns uri fit for a log line or an error: a password in its
// user info is shown as "xxxxx". A URI that does not parse has all of its
// user info hidden instead ("ftp://xxxxx@host/..."), since where the
// password ends cannot be told.
func URI(uri string) string {
	if u, err := url.Parse(uri); err == nil {
		return u.Redacted()
	}
	if i := strings.Index(uri, "://"); i >= 0 {
		rest := uri[i+3:]
		if at := strings.LastIndex(rest, "@"); at >= 0 {
			return uri[:i+3] + "xxxxx@" + rest[at+1:]
		}
	}
	return uri
}

// URLErrorCause returns the error a *url.Error wraps, and any other error
// unchanged. A url.Error repeats the URI, which may hold a password: name
// the URI yourself with RedactURI and wrap the cause.
func URLErrorCause(err error) error {
	if ue, ok := err.(*url.Error); ok {
		return ue.Err
	}
	return err
}
