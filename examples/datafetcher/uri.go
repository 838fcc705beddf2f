package datafetch

import (
	"encoding/base64"
	"fmt"
	"net/url"
	"strings"

	"github.com/batchd/batchd/plugins/sdk"
)

// decode returns the bytes a data: URI (RFC 2397) carries:
//
//	data:[<media type>][;base64],<data>
//
// Without ";base64" the data is percent-encoded text. "data://" followed by
// the same is accepted too (older batchd versions routed a URI to a fetcher
// only by the scheme before "://"). Anything else is an error wrapping
// sdk.ErrUnsupported.
func decode(uri string) ([]byte, error) {
	rest, ok := cutScheme(uri)
	if !ok {
		return nil, fmt.Errorf("%w: %.40q is not a data: URI", sdk.ErrUnsupported, uri)
	}
	meta, data, ok := strings.Cut(rest, ",")
	if !ok {
		return nil, fmt.Errorf("%w: %.40q: no ',' before the data", sdk.ErrUnsupported, uri)
	}
	if strings.HasSuffix(strings.ToLower(meta), ";base64") {
		// Percent-escapes are allowed in base64 data too (RFC 2397 §3).
		raw, err := url.PathUnescape(data)
		if err != nil {
			return nil, fmt.Errorf("%w: %.40q: %w", sdk.ErrUnsupported, uri, err)
		}
		b, err := base64.StdEncoding.DecodeString(strings.TrimRight(raw, "=") + pad(raw))
		if err != nil {
			return nil, fmt.Errorf("%w: %.40q: base64: %w", sdk.ErrUnsupported, uri, err)
		}
		return b, nil
	}
	s, err := url.PathUnescape(data)
	if err != nil {
		return nil, fmt.Errorf("%w: %.40q: %w", sdk.ErrUnsupported, uri, err)
	}
	return []byte(s), nil
}

// cutScheme returns what follows "data:" (any case) or "data://" in uri.
func cutScheme(uri string) (string, bool) {
	if len(uri) < 5 || !strings.EqualFold(uri[:5], "data:") {
		return "", false
	}
	return strings.TrimPrefix(uri[5:], "//"), true
}

// pad is the '=' padding base64 data without its own padding needs.
func pad(s string) string {
	n := len(strings.TrimRight(s, "="))
	return strings.Repeat("=", (4-n%4)%4)
}
