package httpfetch

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/batchd/batchd/plugins/fetcher"
)

// Validators. A response's version, as batchd's staging store records it
// (fetcher.Result.Validator), is its strong ETag ("etag:" and the tag), or
// else its Last-Modified ("last-modified:" and the date) when that date is
// at least lastModifiedAge before the response's Date: a Last-Modified any
// closer could hide a second change within the same second (RFC 9110
// 8.8.2.2 calls it weak then). A response with Cache-Control: no-store,
// only a weak ETag, or nothing to go by has no version: batchd fetches it
// again every run.

// lastModifiedAge is how far a Last-Modified must lie before the
// response's Date for it to tell versions apart (RFC 9111 4.3.1's rule for
// a cache).
const lastModifiedAge = 60 * time.Second

const (
	etagPrefix         = "etag:"
	lastModifiedPrefix = "last-modified:"
)

var _ fetcher.Stater = (*Fetcher)(nil)

// version is the validator of a response with header h, received at now.
func version(h http.Header, now time.Time) string {
	if noStore(h) {
		return ""
	}
	if etag := h.Get("ETag"); etag != "" && !strings.HasPrefix(etag, "W/") {
		return etagPrefix + etag
	}
	lm, err := http.ParseTime(h.Get("Last-Modified"))
	if err != nil {
		return ""
	}
	date, err := http.ParseTime(h.Get("Date"))
	if err != nil {
		date = now
	}
	if date.Sub(lm) < lastModifiedAge {
		return ""
	}
	return lastModifiedPrefix + h.Get("Last-Modified")
}

// noStore reports whether h carries Cache-Control: no-store.
func noStore(h http.Header) bool {
	for _, d := range h.Values("Cache-Control") {
		for _, dir := range strings.Split(d, ",") {
			if strings.EqualFold(strings.TrimSpace(dir), "no-store") {
				return true
			}
		}
	}
	return false
}

// Stat asks the server for req.URI's version with a conditional HEAD
// request (If-None-Match with req.Validator's ETag, or If-Modified-Since
// with its date): a 304 keeps req.Validator, a 200 gives the version of
// its headers. A server that refuses HEAD (405, 501) is asked with a GET
// whose body is not read. It makes one attempt; errors are Fetch's (404
// wraps fetcher.ErrNotFound, 401 and 403 fetcher.ErrPermission, other
// failures fetcher.ErrUnavailable), and batchd then fetches again.
func (f *Fetcher) Stat(ctx context.Context, req fetcher.StatRequest) (fetcher.StatResult, error) {
	u, c, err := f.target("stat", req.URI)
	if err != nil {
		return fetcher.StatResult{}, err
	}
	resp, err := c.conditional(ctx, http.MethodHead, u.String(), req.Validator)
	if err == nil && (resp.StatusCode == http.StatusMethodNotAllowed || resp.StatusCode == http.StatusNotImplemented) {
		resp.Body.Close()
		resp, err = c.conditional(ctx, http.MethodGet, u.String(), req.Validator)
	}
	if err != nil {
		return fetcher.StatResult{}, fmt.Errorf("stat %s: %w: %w", u.Redacted(), fetcher.ErrUnavailable, err)
	}
	defer resp.Body.Close()
	switch resp.StatusCode {
	case http.StatusNotModified:
		if noStore(resp.Header) {
			return fetcher.StatResult{Size: -1}, nil
		}
		return fetcher.StatResult{Validator: req.Validator, Size: -1}, nil
	case http.StatusOK:
		return fetcher.StatResult{Validator: version(resp.Header, time.Now()), Size: resp.ContentLength}, nil
	}
	aerr := statusError(resp)
	if aerr.retry {
		return fetcher.StatResult{}, fmt.Errorf("stat %s: %w: %w", u.Redacted(), fetcher.ErrUnavailable, aerr.err)
	}
	return fetcher.StatResult{}, fmt.Errorf("stat %s: %w", u.Redacted(), aerr.err)
}

// conditional sends a method request for url carrying the configured
// headers and the precondition that validator implies.
func (c *client) conditional(ctx context.Context, method, url, validator string) (*http.Response, error) {
	req, err := http.NewRequestWithContext(ctx, method, url, nil)
	if err != nil {
		return nil, err
	}
	for k, v := range c.cfg.Headers {
		req.Header.Set(k, v)
	}
	switch {
	case strings.HasPrefix(validator, etagPrefix):
		req.Header.Set("If-None-Match", strings.TrimPrefix(validator, etagPrefix))
	case strings.HasPrefix(validator, lastModifiedPrefix):
		req.Header.Set("If-Modified-Since", strings.TrimPrefix(validator, lastModifiedPrefix))
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return nil, err
	}
	if method == http.MethodGet && resp.StatusCode == http.StatusOK {
		// Only the headers matter; do not pull the body through.
		resp.Body.Close()
		resp.Body = io.NopCloser(strings.NewReader(""))
	}
	return resp, nil
}
