package sdk

import "github.com/batchd/batchd/plugins/redact"

// RedactURI returns uri fit for a log line or an error: a password in its
// user info is shown as "xxxxx". A URI that does not parse has all of its
// user info hidden instead ("ftp://xxxxx@host/..."), since where the
// password ends cannot be told. It is redact.URI.
func RedactURI(uri string) string { return redact.URI(uri) }

// URLErrorCause returns the error a *url.Error wraps, and any other error
// unchanged. A url.Error repeats the URI, which may hold a password: name
// the URI yourself with RedactURI and wrap the cause. It is
// redact.URLErrorCause.
func URLErrorCause(err error) error { return redact.URLErrorCause(err) }
