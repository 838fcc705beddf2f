package httpfetch

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/batchd/batchd/plugins/sdk"
)

// classifyTransport sorts an error from http.Client.Do: redirect trouble
// and certificate errors are permanent, everything else (refused or
// dropped connections, timeouts) is retried.
func classifyTransport(err error) error {
	err = sdk.URLErrorCause(err)
	var cve *tls.CertificateVerificationError
	var uae x509.UnknownAuthorityError
	var hne x509.HostnameError
	switch {
	case errors.Is(err, errTooManyRedirects), errors.Is(err, errRedirectLoop), errors.Is(err, errRedirectScheme),
		errors.As(err, &cve), errors.As(err, &uae), errors.As(err, &hne):
		return sdk.Permanent(err)
	}
	return err
}

// statusError turns an unwanted status into an attempt error: 5xx, 408 and
// 429 are retried; 404 and 410 wrap ErrNotFound, 401 and 403 ErrPermission,
// and every other answer fails at once.
func statusError(resp *http.Response) error {
	err := fmt.Errorf("server answered %s", resp.Status)
	switch code := resp.StatusCode; {
	case code == http.StatusNotFound || code == http.StatusGone:
		return sdk.Permanent(fmt.Errorf("%w: %w", sdk.ErrNotFound, err))
	case code == http.StatusUnauthorized || code == http.StatusForbidden:
		return sdk.Permanent(fmt.Errorf("%w: %w", sdk.ErrPermission, err))
	case code >= 500, code == http.StatusRequestTimeout, code == http.StatusTooManyRequests:
		return sdk.RetryAfter(err, retryAfter(resp.Header.Get("Retry-After")))
	}
	return sdk.Permanent(fmt.Errorf("unexpected answer: %w", err))
}

// retryAfter parses a Retry-After header given in seconds or as a date.
func retryAfter(v string) time.Duration {
	if v == "" {
		return 0
	}
	if s, err := strconv.Atoi(strings.TrimSpace(v)); err == nil && s > 0 {
		return time.Duration(s) * time.Second
	}
	if t, err := http.ParseTime(v); err == nil {
		return time.Until(t)
	}
	return 0
}

// parseContentRange parses "bytes START-END/SIZE" (SIZE may be "*", then -1).
func parseContentRange(v string) (start, size int64, err error) {
	rest, ok := strings.CutPrefix(v, "bytes ")
	if !ok {
		return 0, 0, fmt.Errorf("bad Content-Range %q", v)
	}
	rng, total, ok := strings.Cut(rest, "/")
	if !ok {
		return 0, 0, fmt.Errorf("bad Content-Range %q", v)
	}
	first, _, ok := strings.Cut(rng, "-")
	if !ok {
		return 0, 0, fmt.Errorf("bad Content-Range %q", v)
	}
	if start, err = strconv.ParseInt(first, 10, 64); err != nil || start < 0 {
		return 0, 0, fmt.Errorf("bad Content-Range %q", v)
	}
	if total == "*" {
		return start, -1, nil
	}
	if size, err = strconv.ParseInt(total, 10, 64); err != nil || size < start {
		return 0, 0, fmt.Errorf("bad Content-Range %q", v)
	}
	return start, size, nil
}
