package core

import (
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
