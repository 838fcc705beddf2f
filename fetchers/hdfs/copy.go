package hdfsfetch

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/batchd/batchd/plugins/sdk"
)

// copyFile writes the bytes of file p from start to size to w. When a read
// fails (the client has then tried every replica of the block) it reopens
// the file and resumes at the offset already written, up to cfg.Retries
// times in a row without progress.
func (s *session) copyFile(w io.Writer, p string, start, size int64) error {
	written := start
	failures := 0
	for written < size {
		n, err := s.copyFrom(w, p, written, size)
		written += n
		if err == nil {
			continue
		}
		if s.ctx.Err() != nil {
			return err
		}
		if c := classify(err); errors.Is(c, sdk.ErrNotFound) || errors.Is(c, sdk.ErrPermission) {
			return c
		}
		var we *writeError
		if errors.As(err, &we) {
			return we.err
		}
		if n > 0 {
			failures = 0
		}
		failures++
		if failures > s.cfg.Retries {
			return fmt.Errorf("%w: reading %s at offset %d of %d after %d attempts: %w", sdk.ErrUnavailable, p, written, size, failures, err)
		}
		select {
		case <-s.ctx.Done():
			return s.ctx.Err()
		case <-time.After(time.Duration(failures) * 100 * time.Millisecond):
		}
	}
	return nil
}

// writeError marks a failure to write the destination, never retried.
type writeError struct{ err error }

func (e *writeError) Error() string { return e.err.Error() }

// copyFrom opens p at off and copies to w until size or an error. It
// returns the bytes written; failures of w are *writeError. When w is an
// io.ReaderFrom (the fetch's asyncWriter, for a file) it is handed the
// client's reader, which then reads each packet, its CRCs checked, straight
// into w's buffers; otherwise (a tar stream) the bytes go through a buffer.
func (s *session) copyFrom(w io.Writer, p string, off, size int64) (int64, error) {
	f, err := s.client.Open(p)
	if err != nil {
		return 0, err
	}
	defer f.Close()
	if off > 0 {
		if _, err := f.Seek(off, io.SeekStart); err != nil {
			return 0, err
		}
	}
	src := io.LimitReader(ctxReader{s.ctx, f}, size-off)
	var n int64
	if rf, ok := w.(io.ReaderFrom); ok {
		n, err = rf.ReadFrom(src)
	} else {
		n, err = io.CopyBuffer(markWrites{w}, src, make([]byte, 1<<20))
	}
	if err == nil && off+n < size {
		err = io.ErrUnexpectedEOF
	}
	return n, err
}

// ctxReader fails reads once ctx is done.
type ctxReader struct {
	ctx context.Context
	r   io.Reader
}

func (c ctxReader) Read(b []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	return c.r.Read(b)
}

// markWrites makes the errors of w *writeError.
type markWrites struct{ w io.Writer }

func (m markWrites) Write(b []byte) (int, error) {
	n, err := m.w.Write(b)
	var we *writeError
	if err != nil && !errors.As(err, &we) {
		err = &writeError{err}
	}
	return n, err
}

// progress thresholds.
const (
	progressBytes = 4 << 20
	progressTime  = 250 * time.Millisecond
)

// progressWriter counts the bytes passed to w and reports progress now and
// then.
type progressWriter struct {
	w        *asyncWriter
	n        int64
	total    int64
	reported int64
	last     time.Time
	report   func(sdk.Progress)
}

func (p *progressWriter) Write(b []byte) (int, error) {
	k, err := p.w.Write(b)
	p.add(k)
	return k, err
}

// ReadFrom passes r to w's ReadFrom, counting what is read as it goes.
func (p *progressWriter) ReadFrom(r io.Reader) (int64, error) {
	return p.w.ReadFrom(countingReader{r, p})
}

// add counts k more bytes.
func (p *progressWriter) add(k int) {
	p.n += int64(k)
	if p.n-p.reported >= progressBytes || time.Since(p.last) >= progressTime {
		p.flush()
	}
}

// countingReader adds what it reads to a progressWriter.
type countingReader struct {
	r io.Reader
	p *progressWriter
}

func (c countingReader) Read(b []byte) (int, error) {
	k, err := c.r.Read(b)
	c.p.add(k)
	return k, err
}

// flush reports the current count if it has not been reported.
func (p *progressWriter) flush() {
	if p.n == p.reported && !p.last.IsZero() {
		return
	}
	p.report(sdk.Progress{Bytes: p.n, Total: p.total})
	p.reported, p.last = p.n, time.Now()
}
