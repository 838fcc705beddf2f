package hdfsfetch

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/batchd/batchd/plugins/sdk"
)

// Pauses between reads that fail: from readBackoff, doubling up to
// maxReadBackoff.
const (
	readBackoff    = 100 * time.Millisecond
	maxReadBackoff = 2 * time.Second
)

// copyFile writes the bytes of file p from start to size to w. When a read
// fails (the client has then tried every replica of the block) it reopens
// the file and resumes at the offset already written, up to cfg.Retries
// times in a row without progress, with backoff in between.
func (s *session) copyFile(w io.Writer, p string, start, size int64) error {
	b := sdk.Backoff{Base: readBackoff, Max: maxReadBackoff, Retries: s.cfg.Retries}
	written := start
	var err error
	for written < size && b.Next(s.ctx) {
		var n int64
		n, err = s.copyFrom(w, p, written, size)
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
			b.Reset()
		}
	}
	switch {
	case written >= size:
		return nil
	case s.ctx.Err() != nil:
		return s.ctx.Err()
	}
	return fmt.Errorf("%w: reading %s at offset %d of %d after %d attempts: %w", sdk.ErrUnavailable, p, written, size, b.Attempts(), err)
}

// writeError marks a failure to write the destination, never retried.
type writeError struct{ err error }

func (e *writeError) Error() string { return e.err.Error() }

// copyFrom opens p at off and copies to w until size or an error. It
// returns the bytes written; failures of w are *writeError. When w is an
// io.ReaderFrom (the fetch's sdk.Dest, for a file) it is handed the
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
		if n, err = rf.ReadFrom(src); errors.As(err, new(*sdk.WriteError)) {
			err = &writeError{err}
		}
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
