package ftpfetch

import (
	"fmt"
	"io"
	"time"
)

// Resuming across fetches. When a Request carries an Offset, Dest already
// holds the first Offset bytes from an interrupted fetch. adopt hashes them
// and sets the download's position there, so the first attempt sends
// REST Offset exactly as a retry within one fetch does, and falls back to
// byte 0 the same way when the server refuses REST. A prefix longer than
// the file (by SIZE) is not trusted: the download starts over (see
// checkPrefix); so does one written before the file's modification time
// (by MDTM, when the server has it: the file changed since; a guard, not a
// proof, as clocks may differ). Beyond that the fetcher cannot tell a wrong
// prefix from a right one: the caller verifies the whole file's digest. A
// fetch that kept such a prefix reports no validator (when the prefix was
// read is not known), so a later run fetches the file again rather than
// keep a copy that may mix two versions.

// adopt takes the first offset bytes of d.out as already downloaded. A file
// shorter than offset is emptied instead (nothing to resume); bytes past
// offset are cut off.
func (d *download) adopt(offset int64) error {
	name := d.out.Name()
	fi, err := d.out.Stat()
	if err != nil {
		return fmt.Errorf("resuming into %s: %w", name, err)
	}
	if fi.Size() < offset {
		offset = 0
	}
	if err := d.out.Truncate(offset); err != nil {
		return fmt.Errorf("resuming into %s: %w", name, err)
	}
	d.hash.Reset()
	n, err := io.Copy(d.hash, io.NewSectionReader(d.out, 0, offset))
	if err != nil {
		return fmt.Errorf("resuming into %s: hashing the first %d bytes: %w", name, offset, err)
	}
	if _, err := d.out.Seek(n, io.SeekStart); err != nil {
		return fmt.Errorf("resuming into %s: %w", name, err)
	}
	d.written, d.reported, d.flushed = n, n, n
	if n > 0 {
		d.prefixTime, d.resumed = fi.ModTime(), true
	}
	return nil
}

// checkPrefix compares what is on disk with the file, once per fetch: a
// prefix from an earlier fetch written before the file was modified, or
// more bytes than the file has, are stale, so the download starts over;
// exactly as many bytes as the file has mean it is done (whole is true).
func (d *download) checkPrefix() (whole bool, err error) {
	if !d.prefixTime.IsZero() && d.before.mtime.After(d.prefixTime) {
		d.prefixTime = time.Time{}
		return false, d.restart()
	}
	d.prefixTime = time.Time{}
	switch {
	case d.total < 0 || d.written < d.total:
		return false, nil
	case d.written == d.total:
		return true, nil
	}
	return false, d.restart()
}
