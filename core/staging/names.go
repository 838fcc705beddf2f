package staging

import (
	"fmt"
	"net/url"
	"path"
	"strings"
)

// parseChecksum turns "sha256:<hex>" into the lower-case hex digest; empty
// means no checksum.
func parseChecksum(c string) (string, error) {
	if c == "" {
		return "", nil
	}
	algo, digest, ok := strings.Cut(c, ":")
	if !ok {
		return "", fmt.Errorf("%w %q: want sha256:<64 hex digits>", ErrBadChecksum, c)
	}
	if !strings.EqualFold(algo, "sha256") {
		return "", fmt.Errorf("%w %q: unsupported algorithm %q, want sha256", ErrBadChecksum, c, algo)
	}
	digest = strings.ToLower(digest)
	if !validDigest(digest) {
		return "", fmt.Errorf("%w %q: want 64 hex digits after sha256:", ErrBadChecksum, c)
	}
	return digest, nil
}

// validDigest reports whether d is 64 lower-case hex digits.
func validDigest(d string) bool {
	if len(d) != 64 {
		return false
	}
	for i := 0; i < len(d); i++ {
		c := d[i]
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f') {
			return false
		}
	}
	return true
}

// checksumError describes a checksum mismatch for uri.
func checksumError(uri, want, got string) error {
	return fmt.Errorf("staging %s: %w: expected sha256:%s, got sha256:%s", uri, ErrChecksum, want, got)
}

// BaseName is the last element of uri's path: the file name the Mesos
// fetcher gives the artifact in the sandbox. It falls back to "artifact"
// when the path has no usable last element.
func BaseName(uri string) string {
	p := uri
	if u, err := url.Parse(uri); err == nil && (u.Scheme != "" || u.Path != "") {
		p = u.Path
		if p == "" {
			p = u.Opaque
		}
	}
	b := path.Base(p)
	if !validName(b) {
		return "artifact"
	}
	return b
}

// validName reports whether name can be one path segment of a served URL.
func validName(name string) bool {
	if name == "" || name == "." || name == ".." || name == "/" {
		return false
	}
	return !strings.ContainsAny(name, "/\\\x00")
}
