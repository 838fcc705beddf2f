package ftpfetch

import (
	"context"
	"encoding/hex"
	"fmt"
	"hash"
	"io"
	"os"
	"time"

	"github.com/batchd/batchd/plugins/sdk"
	"github.com/batchd/batchd/plugins/sdk/writeback"
)

// Progress is reported at most every progressBytes or progressTime. Each
// report is a gRPC message to batchd: at loopback speed (1 GiB/s) a
// progressBytes of 1 MiB meant a thousand a second for nothing.
const (
	progressBytes = 16 << 20
	progressTime  = 250 * time.Millisecond
)

// download is one Fetch: the destination file and running hash survive
// across attempts, so a retry continues with REST where the last one
// stopped instead of starting over.
type download struct {
	remote
	out      *os.File
	hash     hash.Hash
	progress func(sdk.Progress)

	written  int64   // bytes in out and in hash
	flushed  int64   // bytes handed to writeback.Start
	total    int64   // from SIZE, or -1 when unknown
	sized    bool    // the version was asked
	before   version // the file's version before the first byte was read
	noResume bool    // the server refused REST: every retry starts over
	// prefixTime is when the prefix from an earlier fetch was last written
	// (see adopt); zero once checked.
	prefixTime time.Time
	// resumed says out holds bytes of an earlier fetch, read at a time
	// nobody knows: the result then has no validator.
	resumed   bool
	validator string // for the result, set when the whole file is on disk

	reported   int64
	reportedAt time.Time
}

// run makes attempts until one succeeds, one fails for good, the retries
// are spent or ctx ends.
func (d *download) run(ctx context.Context) (sdk.FetchResult, error) {
	d.total = -1
	d.progress(sdk.Progress{Bytes: d.written, Total: -1})
	d.reportedAt = time.Now()
	var last *attemptError
	for attempt := 0; attempt <= d.cfg.Retries; attempt++ {
		if attempt > 0 {
			t := time.NewTimer(d.cfg.wait(attempt))
			select {
			case <-ctx.Done():
				t.Stop()
				return sdk.FetchResult{}, fmt.Errorf("fetching %s: %w", d.t.redacted, ctx.Err())
			case <-t.C:
			}
		}
		err := d.attempt(ctx)
		if err == nil {
			d.progress(sdk.Progress{Bytes: d.written, Total: d.total})
			return sdk.FetchResult{Size: d.written, SHA256: hex.EncodeToString(d.hash.Sum(nil)), Validator: d.validator}, nil
		}
		if ctx.Err() != nil {
			return sdk.FetchResult{}, fmt.Errorf("fetching %s: %w", d.t.redacted, ctx.Err())
		}
		if !err.retry {
			return sdk.FetchResult{}, fmt.Errorf("fetching %s: %w", d.t.redacted, err.err)
		}
		last = err
	}
	return sdk.FetchResult{}, fmt.Errorf("fetching %s: %w: gave up after %d attempts: %w",
		d.t.redacted, sdk.ErrUnavailable, d.cfg.Retries+1, last.err)
}

// attempt opens a session, asks for the file's version once, and
// retrieves the file from d.written on. It returns nil when the whole file
// is on disk.
func (d *download) attempt(ctx context.Context) *attemptError {
	s, err := dialSession(ctx, d.cfg, d.tls, d.t, d.wrapData)
	if err != nil {
		return d.classify(err)
	}
	defer s.close()
	if !d.sized {
		v, aerr := d.version(s)
		if aerr != nil {
			return aerr
		}
		d.before, d.total, d.sized = v, v.size, true
	}
	if whole, err := d.checkPrefix(); err != nil {
		return permanent(err)
	} else if whole {
		d.finish(s)
		return nil
	}
	if d.noResume && d.written > 0 {
		if err := d.restart(); err != nil {
			return permanent(err)
		}
	}
	offset := d.written
	resp, err := s.sc.RetrFrom(d.t.path, uint64(offset))
	if err != nil {
		if offset > 0 && ftpCode(err) >= 500 && ftpCode(err) != 550 && ftpCode(err) != 530 {
			// The server refused REST: start over from byte 0 next time.
			if rerr := d.restart(); rerr != nil {
				return permanent(rerr)
			}
			d.noResume = true
			return retryable(fmt.Errorf("resuming at byte %d: %w", offset, err))
		}
		if ftpCode(err) == 550 {
			return d.missing(s, fmt.Errorf("retrieving: %w", err))
		}
		return d.classify(&stepError{step: "retrieving", err: err})
	}
	// Receive on another goroutine while this one hashes and writes.
	p := newPipe(resp)
	for {
		c := p.Next()
		if c.n > 0 {
			if err := d.write(c.buf[:c.n]); err != nil {
				s.abort()
				p.Close()
				resp.Close()
				return permanent(err)
			}
		}
		p.Release(c)
		if c.err == io.EOF {
			break
		}
		if c.err != nil {
			s.abort()
			p.Close()
			resp.Close()
			return d.classify(fmt.Errorf("reading data after %d bytes (resumed at %d): %w", d.written, offset, c.err))
		}
	}
	p.Close()
	if err := resp.Close(); err != nil {
		return d.classify(fmt.Errorf("finishing the transfer after %d bytes: %w", d.written, err))
	}
	if d.total >= 0 && d.written < d.total {
		return retryable(fmt.Errorf("transfer ended at %d of %d bytes: %w", d.written, d.total, io.ErrUnexpectedEOF))
	}
	d.finish(s)
	return nil
}

// finish sets the validator once the whole file is on disk, asking the
// server again for the file's version: it is the one asked before the
// first byte was read, unless the file changed meanwhile. When the server
// cannot say now, the bytes are still good; they just get no validator.
func (d *download) finish(s *session) {
	after, aerr := d.version(s)
	if aerr == nil && !d.resumed {
		d.validator = fetchedValidator(d.before, after)
	}
}

// missing tells a folder (which the server lets us enter) from a missing
// file after a 550.
func (r *remote) missing(s *session, err error) *attemptError {
	if cerr := s.sc.ChangeDir(r.t.path); cerr == nil {
		return permanent(fmt.Errorf("%w: %s is a folder; the ftp fetcher stages single files", sdk.ErrUnsupported, r.t.path))
	}
	return permanent(fmt.Errorf("%w: %w", sdk.ErrNotFound, err))
}

// restart empties the destination and the hash.
func (d *download) restart() error {
	if _, err := d.out.Seek(0, io.SeekStart); err != nil {
		return err
	}
	if err := d.out.Truncate(0); err != nil {
		return err
	}
	d.hash.Reset()
	d.written, d.reported, d.flushed = 0, 0, 0
	d.resumed = false
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
