package core

import (
	"net/url"
	"strings"
)

// Scheme returns the lower-case scheme of an artifact URI, "file" for a
// plain path: it picks the fetcher plugin that stages the URI.
func Scheme(uri string) string {
	i := strings.Index(uri, "://")
	if i <= 0 || strings.HasPrefix(uri, "/") {
		return "file"
	}
	return strings.ToLower(uri[:i])
}

// Redact hides the password in a URI's userinfo, for logs and errors.
func Redact(uri string) string {
	u, err := url.Parse(uri)
	if err != nil || u.User == nil {
		return uri
	}
	return u.Redacted()
}
