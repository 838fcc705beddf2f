package sdk

import (
	"encoding/hex"
	"fmt"
	"io"
	"os"

	"github.com/batchd/batchd/plugins/fetcher"
	"github.com/batchd/batchd/plugins/sdk/writeback"
)

// WriteError is a failure to write a Dest's file (a full disk, say), as
// opposed to a failure to read the source: retrying the source does not
// help. Dest's Write, ReadFrom and Commit return it.
type WriteError struct {
	Path string // the file
	Err  error
}

func (e *WriteError) Error() string { return "writing " + e.Path + ": " + e.Err.Error() }

// Unwrap returns the cause.
func (e *WriteError) Unwrap() error { return e.Err }

// Write appends p to the file and the hash. Its error, from writing the
// file, is a *WriteError; bytes written before it count.
func (d *Dest) Write(p []byte) (int, error) {
	n := len(p)
	for len(p) > 0 {
		b := d.buffer()
		k := copy(b[len(b):cap(b)], p)
		if w, err := d.add(b[:len(b)+k], k); err != nil {
			return n - len(p) + w, err
		}
		p = p[k:]
	}
	return n, nil
}

// ReadFrom reads r until io.EOF or an error, writing each piece to the
// file as it is read (straight from the buffer the hash then takes). It
// returns the bytes written and r's error unchanged, or a *WriteError;
// bytes read before a failed read are written first.
func (d *Dest) ReadFrom(r io.Reader) (int64, error) {
	var n int64
	for {
		b := d.buffer()
		k, rerr := r.Read(b[len(b):cap(b)])
		if k > 0 {
			w, err := d.add(b[:len(b)+k], k)
			n += int64(w)
			if err != nil {
				return n, err
			}
		}
		if rerr == io.EOF {
			return n, nil
		}
		if rerr != nil {
			return n, rerr
		}
	}
}

// buffer returns the buffer being filled, taking a free one if needed.
func (d *Dest) buffer() []byte {
	if d.cur == nil {
		d.cur = d.hs.buffer()
	}
	return d.cur
}

// add writes the last n bytes of b, the buffer being filled, to the file,
// queues b for hashing once full, starts write-out and reports progress
// now and then. After a failed write b keeps only the bytes written.
func (d *Dest) add(b []byte, n int) (int, error) {
	k, err := writePieces(d.f, b[len(b)-n:])
	d.cur = b[:len(b)-n+k]
	d.written += int64(k)
	if len(d.cur) == cap(d.cur) {
		d.hs.queue(d.cur)
		d.cur = nil
	}
	if err != nil {
		return k, &WriteError{Path: d.path, Err: err}
	}
	if d.written-d.flushed >= writeback.Every {
		// Whole folios only: a partly written last one sent to disk
		// would make the next write wait for that I/O (stable pages).
		end := d.written &^ (writeback.Align - 1)
		writeback.Start(d.f, d.flushed, end-d.flushed)
		d.flushed = end
	}
	d.prog.maybe(d.progress())
	return k, nil
}

// Commit finishes a successful download: it hashes what is left, reports
// the final progress, syncs and closes the file, and returns the Result's
// Size and SHA256 (the fetcher adds the Validator). When syncing or
// closing fails the file goes as in Abort and the error names it.
func (d *Dest) Commit() (fetcher.Result, error) {
	if d.done {
		return fetcher.Result{}, fmt.Errorf("committing %s: %w", d.path, os.ErrClosed)
	}
	if d.cur != nil {
		d.hs.queue(d.cur)
		d.cur = nil
	}
	d.hs.wait()
	res := fetcher.Result{Size: d.written, SHA256: hex.EncodeToString(d.hs.h.Sum(nil))}
	d.prog.last(d.progress())
	err := d.f.Sync()
	if err != nil {
		err = &WriteError{Path: d.path, Err: fmt.Errorf("syncing: %w", err)}
	}
	d.done = true
	d.hs.stop()
	if cerr := d.f.Close(); err == nil && cerr != nil {
		err = &WriteError{Path: d.path, Err: fmt.Errorf("closing: %w", cerr)}
	}
	if err != nil {
		d.discard()
		return fetcher.Result{}, err
	}
	return res, nil
}

// Abort ends a failed download: it closes the file and removes it, unless
// the Request asked to KeepPartial, which leaves the bytes written for a
// later Fetch to resume. After Commit it does nothing.
func (d *Dest) Abort() {
	if d.done {
		return
	}
	d.done = true
	d.hs.stop()
	d.f.Close()
	d.discard()
}

func (d *Dest) discard() {
	if !d.keep {
		os.Remove(d.path)
	}
}

// writePiece is the most writePieces hands write(2) at once. A 1 MiB write
// has the page cache allocate a 1 MiB folio, and after the machine has
// idled a few seconds (free memory handed back to the hypervisor, or
// fragmented) such allocations made a 1 GiB fetch spend 2.5 s in write(2),
// 10 ms a call; in 64 KiB pieces it took 1 s, as curl's small writes do.
const writePiece = 64 << 10

// writePieces writes p to f in pieces of at most writePiece bytes and
// returns the bytes written and the first error.
func writePieces(f *os.File, p []byte) (int, error) {
	n := 0
	for len(p) > 0 {
		k, err := f.Write(p[:min(len(p), writePiece)])
		n += k
		if err != nil {
			return n, err
		}
		p = p[k:]
	}
	return n, nil
}
