package filefetch

import (
	"fmt"
	"net/url"
	"path/filepath"
	"strings"

	"github.com/batchd/batchd/plugins/sdk"
)

// localPath turns a file URI or an absolute path into a clean local path.
// A plain path is taken literally (no percent-decoding); a file URI's path
// is percent-decoded.
func localPath(uri string) (string, error) {
	if !strings.Contains(uri, "://") && !strings.HasPrefix(strings.ToLower(uri), "file:") {
		if !filepath.IsAbs(uri) {
			return "", fmt.Errorf("fetching %q: %w: not an absolute path or file:// URI", uri, sdk.ErrUnsupported)
		}
		return filepath.Clean(uri), nil
	}
	u, err := url.Parse(uri)
	if err != nil {
		return "", fmt.Errorf("fetching %q: %w: %w", sdk.RedactURI(uri), sdk.ErrUnsupported, sdk.URLErrorCause(err))
	}
	if !strings.EqualFold(u.Scheme, "file") {
		return "", fmt.Errorf("fetching %s: %w: scheme %q is not file", u.Redacted(), sdk.ErrUnsupported, u.Scheme)
	}
	if u.Host != "" && !strings.EqualFold(u.Hostname(), "localhost") {
		return "", fmt.Errorf("fetching %s: %w: host %q is not local", u.Redacted(), sdk.ErrUnsupported, u.Host)
	}
	if u.Opaque != "" || u.Path == "" || !filepath.IsAbs(u.Path) {
		return "", fmt.Errorf("fetching %q: %w: file URI needs an absolute path (file:///path)", u.Redacted(), sdk.ErrUnsupported)
	}
	return filepath.Clean(u.Path), nil
}
