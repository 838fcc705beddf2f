// Package httpfetch is batchd's fetcher for http and https URIs.
//
// It follows a bounded number of redirects, retries connection errors,
// timeouts, short bodies, 5xx, 408 and 429 with exponential backoff and
// jitter, resumes an interrupted download with a Range request when the
// server supports it, and fails at once on other 4xx answers. It never logs
// and never puts request headers or URI passwords in its errors.
package httpfetch

import (
	"context"
	"encoding/json"
	"fmt"
	"net/url"
	"strings"
	"sync/atomic"

	"github.com/batchd/batchd/plugins/sdk"
)

// Version is the fetcher's version, reported by Describe.
const Version = "0.1.0"

// Fetcher downloads http and https URIs. It is safe for concurrent use.
type Fetcher struct {
	base   Config
	client atomic.Pointer[client]
}

var _ sdk.Fetcher = (*Fetcher)(nil)

// New returns a fetcher using cfg. Zero durations take their values from
// DefaultConfig; Retries and MaxRedirects are used as given.
func New(cfg Config) *Fetcher {
	f := &Fetcher{base: cfg}
	f.client.Store(newClient(cfg))
	return f
}

// Describe reports the fetcher's name, version and schemes.
func (f *Fetcher) Describe(ctx context.Context) (sdk.FetcherInfo, error) {
	if err := ctx.Err(); err != nil {
		return sdk.FetcherInfo{}, err
	}
	return sdk.FetcherInfo{Name: "http", Version: Version, Schemes: []string{"http", "https"}}, nil
}

// Configure overlays settings (a JSON object; see Config for the keys) on
// the Config given to New. An unknown key or a bad value is an error
// wrapping sdk.ErrInvalidConfig naming the key; the previous settings
// then stay in force.
func (f *Fetcher) Configure(ctx context.Context, settings json.RawMessage) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	cfg, err := f.base.applyJSON(settings)
	if err != nil {
		return err
	}
	c := newClient(cfg)
	if c.err != nil {
		return fmt.Errorf("configuring http fetcher: %w: %w", sdk.ErrInvalidConfig, c.err)
	}
	if old := f.client.Swap(c); old != nil {
		old.close()
	}
	return nil
}

// target parses uri and returns the client to reach it with; errors say op.
func (f *Fetcher) target(op, uri string) (*url.URL, *client, error) {
	u, err := url.Parse(uri)
	if err != nil {
		return nil, nil, fmt.Errorf("%s %s: %w: %w", op, sdk.RedactURI(uri), sdk.ErrUnsupported, sdk.URLErrorCause(err))
	}
	if s := strings.ToLower(u.Scheme); (s != "http" && s != "https") || u.Host == "" {
		return nil, nil, fmt.Errorf("%s %s: %w: want an http:// or https:// URL with a host", op, u.Redacted(), sdk.ErrUnsupported)
	}
	c := f.client.Load()
	if c.err != nil {
		return nil, nil, fmt.Errorf("%s %s: %w: %w", op, u.Redacted(), sdk.ErrInvalidConfig, c.err)
	}
	return u, c, nil
}

// Fetch downloads req.URI to req.Dest. A 404 or 410 is an error wrapping
// sdk.ErrNotFound, a 401 or 403 sdk.ErrPermission; when the retries
// are spent the error wraps sdk.ErrUnavailable. On any error, including
// a cancelled ctx (the error then wraps ctx.Err()), req.Dest is removed,
// unless req.KeepPartial asks to keep the prefix written for a later resume.
//
// With req.Offset > 0 it resumes: it hashes the first Offset bytes already
// in req.Dest and asks for the rest with a Range request, appending on a
// 206 that starts at Offset; on a 200, a 206 elsewhere or a 416 it starts
// over from zero. The result covers the whole file, prefix included. Its
// Validator is the 200 answer's (see version); a download resumed from an
// earlier fetch's prefix has none.
func (f *Fetcher) Fetch(ctx context.Context, req sdk.FetchRequest, progress func(sdk.Progress)) (sdk.FetchResult, error) {
	u, c, err := f.target("fetching", req.URI)
	if err != nil {
		return sdk.FetchResult{}, err
	}
	dest, err := sdk.OpenDest(req, progress)
	if err != nil {
		return sdk.FetchResult{}, fmt.Errorf("fetching %s: %w", u.Redacted(), err)
	}
	defer dest.Abort()
	d := &download{c: c, url: u, dest: dest}
	return d.run(ctx)
}
