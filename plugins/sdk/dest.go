package sdk

import (
	"fmt"
	"io"
	"os"
	"time"

	"github.com/batchd/batchd/plugins/fetcher"
)

// Dest is the file a Fetch writes, with what every fetcher owes batchd
// around it: resuming from the prefix an interrupted fetch left
// (Request.Offset), the Size and SHA-256 of the whole file, progress
// reports no more often than ProgressBytes or ProgressInterval, an fsync
// before success, and on failure removing the file or, with
// Request.KeepPartial, leaving the prefix for a later resume.
//
// Its life: OpenDest; Write or ReadFrom the bytes (Restart to start over
// from byte 0, SetTotal once the size is known); then Commit on success,
// or Abort. Abort after Commit does nothing, so `defer d.Abort()` right
// after OpenDest is the usual shape. Hashing runs on a goroutine of its
// own that Commit and Abort stop. A Dest is not safe for concurrent use.
type Dest struct {
	f    *os.File
	path string
	keep bool // Request.KeepPartial
	hs   *hasher
	cur  []byte // buffer being filled, not yet queued for hashing

	written int64 // bytes in the file and in the hash
	flushed int64 // bytes whose write-out writeback.Start began
	total   int64 // expected size, -1 when unknown
	prefix  time.Time
	prog    *throttle
	done    bool
}

// OpenDest opens req.Dest for writing and reports progress to progress
// (which may be nil). With req.Offset > 0 it keeps the first Offset bytes
// already in the file as the start of the download: it hashes them and
// writes after them, and PrefixTime says when they were last written. A
// file shorter than Offset is emptied instead (nothing to resume) and
// bytes past Offset are cut off. Without an Offset the file is truncated.
// The fetcher still decides whether the prefix fits the source (a source
// shorter than Offset, or modified after PrefixTime, means Restart); the
// caller verifies the whole file's digest. Errors name the file.
func OpenDest(req fetcher.Request, progress func(fetcher.Progress)) (*Dest, error) {
	return openDest(req, progress, time.Now)
}

func openDest(req fetcher.Request, progress func(fetcher.Progress), now func() time.Time) (*Dest, error) {
	flags := os.O_RDWR | os.O_CREATE
	if req.Offset <= 0 {
		flags |= os.O_TRUNC
	}
	f, err := os.OpenFile(req.Dest, flags, 0o644)
	if err != nil {
		return nil, fmt.Errorf("opening %s: %w", req.Dest, err)
	}
	d := &Dest{f: f, path: req.Dest, keep: req.KeepPartial, hs: newHasher(), total: -1, prog: newThrottle(progress, now)}
	if req.Offset > 0 {
		if err := d.adopt(req.Offset); err != nil {
			d.Abort()
			return nil, fmt.Errorf("resuming into %s: %w", req.Dest, err)
		}
	}
	return d, nil
}

// adopt keeps the first offset bytes of the file, or none when it is
// shorter, hashing them before the hashing goroutine sees any buffer.
func (d *Dest) adopt(offset int64) error {
	fi, err := d.f.Stat()
	if err != nil {
		return err
	}
	if fi.Size() < offset {
		offset = 0
	}
	if err := d.f.Truncate(offset); err != nil {
		return err
	}
	n, err := io.Copy(d.hs.h, io.NewSectionReader(d.f, 0, offset))
	if err != nil {
		return fmt.Errorf("hashing the first %d bytes: %w", offset, err)
	}
	if _, err := d.f.Seek(n, io.SeekStart); err != nil {
		return err
	}
	d.written, d.flushed = n, n
	if n > 0 {
		d.prefix = fi.ModTime()
	}
	return nil
}

// Written returns the bytes in the file: the kept prefix and what was
// written since.
func (d *Dest) Written() int64 { return d.written }

// PrefixTime returns when the prefix kept from an earlier fetch was last
// written, or the zero time when none was kept or after Restart. A fetch
// that kept one should report no Validator: when its bytes were read from
// the source is not known.
func (d *Dest) PrefixTime() time.Time { return d.prefix }

// SetTotal sets the size progress reports announce (-1: unknown, the
// start).
func (d *Dest) SetTotal(n int64) { d.total = n }

// Total returns the size set by SetTotal, -1 when unknown.
func (d *Dest) Total() int64 { return d.total }

// Report reports progress now, whatever the throttle says; a fetcher
// calls it once when it starts.
func (d *Dest) Report() { d.prog.force(d.progress()) }

func (d *Dest) progress() fetcher.Progress {
	return fetcher.Progress{Bytes: d.written, Total: d.total}
}

// Restart empties the file and the hash, for a download that must start
// over from byte 0 (the source changed, or refused to resume). The total
// stays as set.
func (d *Dest) Restart() error {
	if d.cur != nil {
		d.cur = d.cur[:0]
	}
	d.hs.wait()
	d.hs.h.Reset()
	if err := d.f.Truncate(0); err != nil {
		return fmt.Errorf("restarting %s: %w", d.path, err)
	}
	if _, err := d.f.Seek(0, io.SeekStart); err != nil {
		return fmt.Errorf("restarting %s: %w", d.path, err)
	}
	d.written, d.flushed, d.prog.reported = 0, 0, 0
	d.prefix = time.Time{}
	return nil
}
