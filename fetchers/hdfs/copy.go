package hdfsfetch

import (
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/batchd/batchd/plugins/fetcher"
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
		if c := classify(err); errors.Is(c, fetcher.ErrNotFound) || errors.Is(c, fetcher.ErrPermission) {
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
			return fmt.Errorf("%w: reading %s at offset %d of %d after %d attempts: %w", fetcher.ErrUnavailable, p, written, size, failures, err)
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
// returns the bytes written.
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
	buf := make([]byte, 1<<20)
	var n int64
	for off+n < size {
		if err := s.ctx.Err(); err != nil {
			return n, err
		}
		k, rerr := f.Read(buf[:min(int64(len(buf)), size-off-n)])
		if k > 0 {
			if _, err := w.Write(buf[:k]); err != nil {
				return n, &writeError{err}
			}
			n += int64(k)
		}
		if rerr == io.EOF && off+n < size {
			return n, io.ErrUnexpectedEOF
		}
		if rerr != nil && rerr != io.EOF {
			return n, rerr
		}
	}
	return n, nil
}

// progress thresholds.
const (
	progressBytes = 4 << 20
	progressTime  = 250 * time.Millisecond
)

// progressWriter counts bytes and reports progress now and then.
type progressWriter struct {
	w        io.Writer
	n        int64
	total    int64
	reported int64
	last     time.Time
	report   func(fetcher.Progress)
}

func (p *progressWriter) Write(b []byte) (int, error) {
	k, err := p.w.Write(b)
	p.n += int64(k)
	if p.n-p.reported >= progressBytes || time.Since(p.last) >= progressTime {
		p.flush()
	}
	return k, err
}

// flush reports the current count if it has not been reported.
func (p *progressWriter) flush() {
	if p.n == p.reported && !p.last.IsZero() {
		return
	}
	p.report(fetcher.Progress{Bytes: p.n, Total: p.total})
	p.reported, p.last = p.n, time.Now()
}
