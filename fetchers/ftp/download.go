package ftpfetch

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/batchd/batchd/internal/readahead"
	"github.com/batchd/batchd/plugins/sdk"
)

// Buffers in flight between the network reader and the disk writer.
const (
	aheadBlocks    = 4
	aheadBlockSize = 256 << 10
)

// download is one Fetch: the destination survives across attempts, so a
// retry continues with REST where the last one stopped instead of starting
// over.
type download struct {
	remote
	dest *sdk.Dest

	sized    bool    // the version was asked
	before   version // the file's version before the first byte was read
	noResume bool    // the server refused REST: every retry starts over
	// prefixTime is when the prefix from an earlier fetch was last written
	// (sdk.Dest.PrefixTime); zero once checked.
	prefixTime time.Time
	// resumed says dest holds bytes of an earlier fetch, read at a time
	// nobody knows: the result then has no validator.
	resumed   bool
	validator string // for the result, set when the whole file is on disk
}

// run makes attempts until one succeeds, one fails for good, the retries
// are spent or ctx ends.
func (d *download) run(ctx context.Context) (sdk.FetchResult, error) {
	d.prefixTime = d.dest.PrefixTime()
	d.resumed = !d.prefixTime.IsZero()
	d.dest.Report()
	if err := d.cfg.NewBackoff().Retry(ctx, func() error { return d.attempt(ctx) }); err != nil {
		return sdk.FetchResult{}, fmt.Errorf("fetching %s: %w", d.t.redacted, err)
	}
	res, err := d.dest.Commit()
	if err != nil {
		return sdk.FetchResult{}, fmt.Errorf("fetching %s: %w", d.t.redacted, err)
	}
	res.Validator = d.validator
	return res, nil
}

// attempt opens a session, asks for the file's version once, and
// retrieves the file from where Dest stops. It returns nil when the whole file
// is on disk.
func (d *download) attempt(ctx context.Context) error {
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
		d.before, d.sized = v, true
		d.dest.SetTotal(v.size)
	}
	if whole, err := d.checkPrefix(); err != nil {
		return sdk.Permanent(err)
	} else if whole {
		d.finish(s)
		return nil
	}
	if d.noResume && d.dest.Written() > 0 {
		if err := d.restart(); err != nil {
			return sdk.Permanent(err)
		}
	}
	offset := d.dest.Written()
	resp, err := s.sc.RetrFrom(d.t.path, uint64(offset))
	if err != nil {
		if offset > 0 && ftpCode(err) >= 500 && ftpCode(err) != 550 && ftpCode(err) != 530 {
			// The server refused REST: start over from byte 0 next time.
			if rerr := d.restart(); rerr != nil {
				return sdk.Permanent(rerr)
			}
			d.noResume = true
			return fmt.Errorf("resuming at byte %d: %w", offset, err)
		}
		if ftpCode(err) == 550 {
			return d.missing(s, fmt.Errorf("retrieving: %w", err))
		}
		return d.classify(&stepError{step: "retrieving", err: err})
	}
	// Receive on another goroutine while this one writes (and Dest hashes
	// on a third).
	ra := readahead.New(resp, aheadBlocks, aheadBlockSize)
	if _, err := d.dest.ReadFrom(ra); err != nil {
		s.abort()
		ra.Close()
		resp.Close()
		if errors.As(err, new(*sdk.WriteError)) {
			return sdk.Permanent(err)
		}
		return d.classify(fmt.Errorf("reading data after %d bytes (resumed at %d): %w", d.dest.Written(), offset, err))
	}
	ra.Close()
	if err := resp.Close(); err != nil {
		return d.classify(fmt.Errorf("finishing the transfer after %d bytes: %w", d.dest.Written(), err))
	}
	if total := d.dest.Total(); total >= 0 && d.dest.Written() < total {
		return fmt.Errorf("transfer ended at %d of %d bytes: %w", d.dest.Written(), total, io.ErrUnexpectedEOF)
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
func (r *remote) missing(s *session, err error) error {
	if cerr := s.sc.ChangeDir(r.t.path); cerr == nil {
		return sdk.Permanent(fmt.Errorf("%w: %s is a folder; the ftp fetcher stages single files", sdk.ErrUnsupported, r.t.path))
	}
	return sdk.Permanent(fmt.Errorf("%w: %w", sdk.ErrNotFound, err))
}

// restart empties the destination.
func (d *download) restart() error {
	d.resumed = false
	return d.dest.Restart()
}
