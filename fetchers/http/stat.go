package httpfetch

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/batchd/batchd/internal/validator"
	"github.com/batchd/batchd/plugins/sdk"
)

// Validators (internal/validator): a response's version, as batchd's
// staging store records it, is its strong ETag, or else its Last-Modified
// when that lies at least a minute before its Date. A response with
// Cache-Control: no-store, only a weak ETag, or nothing to go by has none:
// batchd fetches it again every run.

var _ sdk.Stater = (*Fetcher)(nil)

// Stat asks the server for req.URI's version with a conditional HEAD
// request (If-None-Match with req.Validator's ETag, or If-Modified-Since
// with its date): a 304 keeps req.Validator, a 200 gives the version of
// its headers. A server that refuses HEAD (405, 501) is asked with a GET
// whose body is not read. It makes one attempt; errors are Fetch's (404
// wraps sdk.ErrNotFound, 401 and 403 sdk.ErrPermission, other
// failures sdk.ErrUnavailable), and batchd then fetches again.
func (f *Fetcher) Stat(ctx context.Context, req sdk.StatRequest) (sdk.StatResult, error) {
	u, c, err := f.target("stat", req.URI)
	if err != nil {
		return sdk.StatResult{}, err
	}
	resp, err := c.conditional(ctx, http.MethodHead, u.String(), req.Validator)
	if err == nil && (resp.StatusCode == http.StatusMethodNotAllowed || resp.StatusCode == http.StatusNotImplemented) {
		resp.Body.Close()
		resp, err = c.conditional(ctx, http.MethodGet, u.String(), req.Validator)
	}
	if err != nil {
		return sdk.StatResult{}, fmt.Errorf("stat %s: %w: %w", u.Redacted(), sdk.ErrUnavailable, err)
	}
	defer resp.Body.Close()
	switch resp.StatusCode {
	case http.StatusNotModified:
		if validator.NoStore(resp.Header) {
			return sdk.StatResult{Size: -1}, nil
		}
		return sdk.StatResult{Validator: req.Validator, Size: -1}, nil
	case http.StatusOK:
		return sdk.StatResult{Validator: validator.OfResponse(resp.Header, time.Now()), Size: resp.ContentLength}, nil
	}
	err = statusError(resp)
	if !sdk.IsPermanent(err) {
		err = fmt.Errorf("%w: %w", sdk.ErrUnavailable, err)
	}
	return sdk.StatResult{}, fmt.Errorf("stat %s: %w", u.Redacted(), err)
}

// conditional sends a method request for url carrying the configured
// headers and the precondition that validator implies.
func (c *client) conditional(ctx context.Context, method, url, v string) (*http.Response, error) {
	req, err := http.NewRequestWithContext(ctx, method, url, nil)
	if err != nil {
		return nil, err
	}
	for k, v := range c.cfg.Headers {
		req.Header.Set(k, v)
	}
	validator.Condition(req, v)
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
