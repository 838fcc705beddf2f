package core

import (
	"strings"
)

// Scheme returns the lower-case scheme of an artifact URI, "file" for a
// plain path: it picks the fetcher plugin that stages the URI. Besides
// "scheme://…", an opaque URI "scheme:…" (RFC 3986; data: URIs, RFC 2397)
// has a scheme of two characters or more.
func Scheme(uri string) string {
	if strings.HasPrefix(uri, "/") {
		return "file"
	}
	if i := strings.Index(uri, "://"); i > 0 {
		return strings.ToLower(uri[:i])
	}
	if i := strings.IndexByte(uri, ':'); i >= 2 && isScheme(uri[:i]) {
		return strings.ToLower(uri[:i])
	}
	return "file"
}

// isScheme reports whether s has the syntax of a URI scheme:
// ALPHA *( ALPHA / DIGIT / "+" / "-" / "." ).
func isScheme(s string) bool {
	for i, r := range s {
		switch {
		case 'a' <= r && r <= 'z', 'A' <= r && r <= 'Z':
		case i > 0 && ('0' <= r && r <= '9' || r == '+' || r == '-' || r == '.'):
		default:
			return false
		}
	}
	return s != ""
}
