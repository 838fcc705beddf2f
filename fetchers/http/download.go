package httpfetch

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"
	"net/http"
	"net/url"
	"os"
	"strings"
	"time"

	"github.com/batchd/batchd/internal/validator"
	"github.com/batchd/batchd/plugins/sdk"
	"github.com/batchd/batchd/plugins/sdk/writeback"
)

// errIdle is the cause of an attempt cancelled for want of body bytes.
var errIdle = errors.New("no data received within the idle timeout")

// Progress is reported at most every progressBytes or progressTime. Each
// report is a gRPC message to batchd: at loopback speed (1 GiB/s) a
// progressBytes of 1 MiB meant a thousand a second for nothing.
const (
	progressBytes = 16 << 20
	progressTime  = 250 * time.Millisecond
)

// download is one Fetch: the destination file and hash that survive
// across attempts, so an attempt answered with 206 appends where the last
// one stopped.
type download struct {
	c        *client
	url      *url.URL
	out      *os.File
	hash     hash.Hash
	progress func(sdk.Progress)

	written   int64  // bytes in out and in hash
	total     int64  // expected size, -1 when unknown
	validator string // ETag or Last-Modified of the first answer, for If-Range
	version   string // the 200 answer's Result.Validator (validator.OfResponse); "" after a restart
	// prefixTime is when Dest's prefix from an earlier fetch was last
	// written (see adopt); zero once an answer has been accepted.
	prefixTime time.Time

	reported   int64
	reportedAt time.Time
	flushed    int64 // bytes whose write-out to disk has been started
}

// run makes attempts until one succeeds, one fails for good, the retries
// are spent or ctx ends.
func (d *download) run(ctx context.Context) (sdk.FetchResult, error) {
	red := d.url.Redacted()
	d.total = -1
	d.progress(sdk.Progress{Bytes: d.written, Total: -1})
	d.reportedAt = time.Now()
	var last *attemptError
	for attempt := 0; attempt <= d.c.cfg.Retries; attempt++ {
		if attempt > 0 {
			t := time.NewTimer(d.c.cfg.wait(attempt, last.retryAfter))
			select {
			case <-ctx.Done():
				t.Stop()
				return sdk.FetchResult{}, fmt.Errorf("fetching %s: %w", red, ctx.Err())
			case <-t.C:
			}
		}
		err := d.attempt(ctx)
		if err == nil {
			if d.written != d.reported {
				d.progress(sdk.Progress{Bytes: d.written, Total: d.total})
			}
			return sdk.FetchResult{Size: d.written, SHA256: hex.EncodeToString(d.hash.Sum(nil)), Validator: d.version}, nil
		}
		if ctx.Err() != nil {
			return sdk.FetchResult{}, fmt.Errorf("fetching %s: %w", red, ctx.Err())
		}
		if !err.retry {
			return sdk.FetchResult{}, fmt.Errorf("fetching %s: %w", red, err.err)
		}
		last = err
	}
	return sdk.FetchResult{}, fmt.Errorf("fetching %s: %w: gave up after %d attempts: %w",
		red, sdk.ErrUnavailable, d.c.cfg.Retries+1, last.err)
}

// attempt makes one request and copies its body. It returns nil when the
// whole body is on disk.
func (d *download) attempt(ctx context.Context) *attemptError {
	actx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	req, err := http.NewRequestWithContext(actx, http.MethodGet, d.url.String(), nil)
	if err != nil {
		return permanent(sdk.URLErrorCause(err))
	}
	for k, v := range d.c.cfg.Headers {
		req.Header.Set(k, v)
	}
	if d.written > 0 {
		req.Header.Set("Range", fmt.Sprintf("bytes=%d-", d.written))
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
	buf := make([]byte, 256<<10)
	for {
		n, rerr := resp.Body.Read(buf)
		timer.Reset(idle)
		if n > 0 {
			if err := d.write(buf[:n]); err != nil {
				return permanent(err)
			}
		}
		if rerr == io.EOF {
			break
		}
		if rerr != nil {
			if errors.Is(context.Cause(actx), errIdle) {
				return retryable(fmt.Errorf("reading body after %d bytes: %w (%s)", d.written, errIdle, idle), 0)
			}
			return retryable(fmt.Errorf("reading body after %d bytes: %w", d.written, rerr), 0)
		}
	}
	if d.total >= 0 && d.written != d.total {
		return retryable(fmt.Errorf("body ended at %d of %d bytes: %w", d.written, d.total, io.ErrUnexpectedEOF), 0)
	}
	return nil
}

// accept checks the response status and readies out for its body: it
// appends on a 206 that continues where the file stops, restarts from zero
// on a 200, and turns every other answer into an error.
func (d *download) accept(resp *http.Response) *attemptError {
	switch resp.StatusCode {
	case http.StatusOK:
		if err := d.restart(); err != nil {
			return permanent(err)
		}
		d.validator = ifRange(resp.Header)
		// A 206 that continues this body is the same version: it answers
		// If-Range with d.validator, which version is built from.
		d.version = validator.OfResponse(resp.Header, time.Now())
		if resp.ContentLength >= 0 {
			d.total = resp.ContentLength
		}
		return nil
	case http.StatusPartialContent:
		start, size, err := parseContentRange(resp.Header.Get("Content-Range"))
		if err != nil || start != d.written {
			// The server answered a range we did not ask for: start over.
			asked := d.written
			if rerr := d.restart(); rerr != nil {
				return permanent(rerr)
			}
			return retryable(fmt.Errorf("server answered 206 with Content-Range %q to bytes=%d-; restarting", resp.Header.Get("Content-Range"), asked), 0)
		}
		if d.stale(resp) {
			if rerr := d.restart(); rerr != nil {
				return permanent(rerr)
			}
			return retryable(fmt.Errorf("source modified (Last-Modified %s) after the partial file was written; restarting", resp.Header.Get("Last-Modified")), 0)
		}
		d.prefixTime = time.Time{}
		if d.validator == "" {
			d.validator = ifRange(resp.Header)
		}
		switch {
		case size >= 0:
			d.total = size
		case resp.ContentLength >= 0:
			d.total = d.written + resp.ContentLength
		}
		return nil
	case http.StatusRequestedRangeNotSatisfiable:
		if err := d.restart(); err != nil {
			return permanent(err)
		}
		return retryable(fmt.Errorf("server answered %s to a resume; restarting", resp.Status), 0)
	}
	return statusError(resp)
}

// restart empties the destination and the hash.
func (d *download) restart() error {
	if d.written == 0 {
		return nil
	}
	if err := d.out.Truncate(0); err != nil {
		return err
	}
	if _, err := d.out.Seek(0, io.SeekStart); err != nil {
		return err
	}
	d.hash = sha256.New()
	d.written, d.total, d.reported, d.flushed = 0, -1, 0, 0
	d.version = ""
	d.prefixTime = time.Time{}
	return nil
}

// write appends p to the file and hash and reports progress from time to time.
func (d *download) write(p []byte) error {
	if _, err := d.out.Write(p); err != nil {
		return fmt.Errorf("writing %s: %w", d.out.Name(), err)
	}
	d.hash.Write(p)
	d.written += int64(len(p))
	if d.written-d.flushed >= writeback.Every {
		writeback.Start(d.out, d.flushed, d.written-d.flushed)
		d.flushed = d.written
	}
	if d.written-d.reported >= progressBytes || time.Since(d.reportedAt) >= progressTime {
		d.progress(sdk.Progress{Bytes: d.written, Total: d.total})
		d.reported, d.reportedAt = d.written, time.Now()
	}
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
