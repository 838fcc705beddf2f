package ftpfetch

import (
	"context"
	"crypto/tls"
	"encoding/hex"
	"fmt"
	"hash"
	"io"
	"net"
	"os"
	"time"

	"github.com/batchd/batchd/plugins/fetcher"
)

// Progress is reported at most every progressBytes or progressTime.
const (
	progressBytes = 1 << 20
	progressTime  = 250 * time.Millisecond
	// writebackBytes is how much is written between writeback hints.
	writebackBytes = 16 << 20
)

// download is one Fetch: the destination file and running hash survive
// across attempts, so a retry continues with REST where the last one
// stopped instead of starting over.
type download struct {
	cfg      Config
	tls      *tls.Config
	t        target
	out      *os.File
	hash     hash.Hash
	progress func(fetcher.Progress)
	wrapData func(net.Conn) net.Conn // see dialSession

	written  int64 // bytes in out and in hash
	flushed  int64 // bytes handed to startWriteback
	total    int64 // from SIZE, or -1 when unknown
	sized    bool  // SIZE was asked
	noResume bool  // the server refused REST: every retry starts over
	// prefixTime is when the prefix from an earlier fetch was last written
	// (see adopt); zero once checked.
	prefixTime time.Time

	reported   int64
	reportedAt time.Time
}

// run makes attempts until one succeeds, one fails for good, the retries
// are spent or ctx ends.
func (d *download) run(ctx context.Context) (fetcher.Result, error) {
	d.total = -1
	d.progress(fetcher.Progress{Bytes: d.written, Total: -1})
	d.reportedAt = time.Now()
	var last *attemptError
	for attempt := 0; attempt <= d.cfg.Retries; attempt++ {
		if attempt > 0 {
			t := time.NewTimer(d.cfg.wait(attempt))
			select {
			case <-ctx.Done():
				t.Stop()
				return fetcher.Result{}, fmt.Errorf("fetching %s: %w", d.t.redacted, ctx.Err())
			case <-t.C:
			}
		}
		err := d.attempt(ctx)
		if err == nil {
			d.progress(fetcher.Progress{Bytes: d.written, Total: d.total})
			return fetcher.Result{Size: d.written, SHA256: hex.EncodeToString(d.hash.Sum(nil))}, nil
		}
		if ctx.Err() != nil {
			return fetcher.Result{}, fmt.Errorf("fetching %s: %w", d.t.redacted, ctx.Err())
		}
		if !err.retry {
			return fetcher.Result{}, fmt.Errorf("fetching %s: %w", d.t.redacted, err.err)
		}
		last = err
	}
	return fetcher.Result{}, fmt.Errorf("fetching %s: %w: gave up after %d attempts: %w",
		d.t.redacted, fetcher.ErrUnavailable, d.cfg.Retries+1, last.err)
}

// attempt opens a session, asks for the size once, and retrieves the file
// from d.written on. It returns nil when the whole file is on disk.
func (d *download) attempt(ctx context.Context) *attemptError {
	s, err := dialSession(ctx, d.cfg, d.tls, d.t, d.wrapData)
	if err != nil {
		return d.classify(err)
	}
	defer s.close()
	if !d.sized {
		if aerr := d.size(s); aerr != nil {
			return aerr
		}
	}
	if whole, err := d.checkPrefix(s); err != nil {
		return permanent(err)
	} else if whole {
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
	return nil
}

// size asks for the file's size (the progress total). A 550 is a missing
// file or a folder; a server without SIZE leaves the total unknown.
func (d *download) size(s *session) *attemptError {
	n, err := s.sc.FileSize(d.t.path)
	switch code := ftpCode(err); {
	case err == nil:
		d.total = n
	case code == 550:
		return d.missing(s, fmt.Errorf("asking its size: %w", err))
	case code == 500 || code == 501 || code == 502 || code == 504:
		d.total = -1
	default:
		return d.classify(&stepError{step: "asking its size", err: err})
	}
	d.sized = true
	return nil
}

// missing tells a folder (which the server lets us enter) from a missing
// file after a 550.
func (d *download) missing(s *session, err error) *attemptError {
	if cerr := s.sc.ChangeDir(d.t.path); cerr == nil {
		return permanent(fmt.Errorf("%w: %s is a folder; the ftp fetcher stages single files", fetcher.ErrUnsupported, d.t.path))
	}
	return permanent(fmt.Errorf("%w: %w", fetcher.ErrNotFound, err))
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
	return nil
}

// write appends p to the file and hash and reports progress from time to time.
func (d *download) write(p []byte) error {
	if _, err := d.out.Write(p); err != nil {
		return fmt.Errorf("writing %s: %w", d.out.Name(), err)
	}
	d.hash.Write(p)
	d.written += int64(len(p))
	if d.written-d.flushed >= writebackBytes {
		startWriteback(d.out, d.flushed, d.written-d.flushed)
		d.flushed = d.written
	}
	if d.written-d.reported >= progressBytes || time.Since(d.reportedAt) >= progressTime {
		d.progress(fetcher.Progress{Bytes: d.written, Total: d.total})
		d.reported, d.reportedAt = d.written, time.Now()
	}
	return nil
}
