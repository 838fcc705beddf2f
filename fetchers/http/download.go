package httpfetch

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/batchd/batchd/internal/validator"
	"github.com/batchd/batchd/plugins/sdk"
)

// errIdle is the cause of an attempt cancelled for want of body bytes.
var errIdle = errors.New("no data received within the idle timeout")

// download is one Fetch: the destination survives across attempts, so an
// attempt answered with 206 appends where the last one stopped.
type download struct {
	c    *client
	url  *url.URL
	dest *sdk.Dest

	validator string // ETag or Last-Modified of the first answer, for If-Range
	version   string // the 200 answer's Result.Validator (validator.OfResponse); "" after a restart
	// prefixTime is when Dest's prefix from an earlier fetch was last
	// written (sdk.Dest.PrefixTime); zero once an answer has been accepted.
	prefixTime time.Time
}

// run makes attempts until one succeeds, one fails for good, the retries
// are spent or ctx ends.
func (d *download) run(ctx context.Context) (sdk.FetchResult, error) {
	red := d.url.Redacted()
	d.prefixTime = d.dest.PrefixTime()
	d.dest.Report()
	if err := d.c.cfg.NewBackoff().Retry(ctx, func() error { return d.attempt(ctx) }); err != nil {
		return sdk.FetchResult{}, fmt.Errorf("fetching %s: %w", red, err)
	}
	res, err := d.dest.Commit()
	if err != nil {
		return sdk.FetchResult{}, fmt.Errorf("fetching %s: %w", red, err)
	}
	res.Validator = d.version
	return res, nil
}

// attempt makes one request and copies its body. It returns nil when the
// whole body is on disk.
func (d *download) attempt(ctx context.Context) error {
	actx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	req, err := http.NewRequestWithContext(actx, http.MethodGet, d.url.String(), nil)
	if err != nil {
		return sdk.Permanent(sdk.URLErrorCause(err))
	}
	for k, v := range d.c.cfg.Headers {
		req.Header.Set(k, v)
	}
	if d.dest.Written() > 0 {
		req.Header.Set("Range", fmt.Sprintf("bytes=%d-", d.dest.Written()))
		if d.validator != "" {
			req.Header.Set("If-Range", d.validator)
		}
	}
	resp, err := d.c.http.Do(req)
	if err != nil {
		return classifyTransport(err)
	}
	defer resp.Body.Close()
	if d.complete(resp) {
		return nil
	}
	if aerr := d.accept(resp); aerr != nil {
		return aerr
	}

	idle := d.c.cfg.IdleTimeout
	timer := time.AfterFunc(idle, func() { cancel(errIdle) })
	defer timer.Stop()
	body := &idleReader{r: resp.Body, timer: timer, idle: idle}
	if _, err := d.dest.ReadFrom(body); err != nil {
		if errors.As(err, new(*sdk.WriteError)) {
			return sdk.Permanent(err)
		}
		if errors.Is(context.Cause(actx), errIdle) {
			return fmt.Errorf("reading body after %d bytes: %w (%s)", d.dest.Written(), errIdle, idle)
		}
		return fmt.Errorf("reading body after %d bytes: %w", d.dest.Written(), err)
	}
	if total := d.dest.Total(); total >= 0 && d.dest.Written() != total {
		return fmt.Errorf("body ended at %d of %d bytes: %w", d.dest.Written(), total, io.ErrUnexpectedEOF)
	}
	return nil
}

// idleReader rearms the idle timer after every read of r.
type idleReader struct {
	r     io.Reader
	timer *time.Timer
	idle  time.Duration
}

func (i *idleReader) Read(b []byte) (int, error) {
	n, err := i.r.Read(b)
	i.timer.Reset(i.idle)
	return n, err
}

// accept checks the response status and readies out for its body: it
// appends on a 206 that continues where the file stops, restarts from zero
// on a 200, and turns every other answer into an error.
func (d *download) accept(resp *http.Response) error {
	switch resp.StatusCode {
	case http.StatusOK:
		if err := d.restart(); err != nil {
			return sdk.Permanent(err)
		}
		d.validator = ifRange(resp.Header)
		// A 206 that continues this body is the same version: it answers
		// If-Range with d.validator, which version is built from.
		d.version = validator.OfResponse(resp.Header, time.Now())
		if resp.ContentLength >= 0 {
			d.dest.SetTotal(resp.ContentLength)
		}
		return nil
	case http.StatusPartialContent:
		start, size, err := parseContentRange(resp.Header.Get("Content-Range"))
		if err != nil || start != d.dest.Written() {
			// The server answered a range we did not ask for: start over.
			asked := d.dest.Written()
			if rerr := d.restart(); rerr != nil {
				return sdk.Permanent(rerr)
			}
			return fmt.Errorf("server answered 206 with Content-Range %q to bytes=%d-; restarting", resp.Header.Get("Content-Range"), asked)
		}
		if d.stale(resp) {
			if rerr := d.restart(); rerr != nil {
				return sdk.Permanent(rerr)
			}
			return fmt.Errorf("source modified (Last-Modified %s) after the partial file was written; restarting", resp.Header.Get("Last-Modified"))
		}
		d.prefixTime = time.Time{}
		if d.validator == "" {
			d.validator = ifRange(resp.Header)
		}
		switch {
		case size >= 0:
			d.dest.SetTotal(size)
		case resp.ContentLength >= 0:
			d.dest.SetTotal(d.dest.Written() + resp.ContentLength)
		}
		return nil
	case http.StatusRequestedRangeNotSatisfiable:
		if err := d.restart(); err != nil {
			return sdk.Permanent(err)
		}
		return fmt.Errorf("server answered %s to a resume; restarting", resp.Status)
	}
	return statusError(resp)
}

// restart empties the destination and forgets what was known of the
// source.
func (d *download) restart() error {
	if d.dest.Written() == 0 {
		return nil
	}
	if err := d.dest.Restart(); err != nil {
		return err
	}
	d.dest.SetTotal(-1)
	d.version = ""
	d.prefixTime = time.Time{}
	return nil
}

// ifRange returns the If-Range value for a response: a strong ETag, else
// Last-Modified, else "".
func ifRange(h http.Header) string {
	if etag := h.Get("ETag"); etag != "" && !strings.HasPrefix(etag, "W/") {
		return etag
	}
	return h.Get("Last-Modified")
}
