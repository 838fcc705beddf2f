package httpfetch

import (
	"crypto/sha256"
	"fmt"
	"io"
	"net/http"
)

// Resuming across fetches. When a Request carries an Offset, Dest already
// holds the first Offset bytes from an interrupted fetch. adopt hashes them
// and sets the download's position there, so the first attempt asks for
// Range: bytes=Offset- exactly as a retry within one fetch does; the same
// accept logic then appends on a 206 that starts at Offset and restarts
// from zero on a 200, a 206 at another offset, or a 416 (a prefix longer
// than the object). The first 206 is also refused when its Last-Modified
// is later than Dest's modification time: the source changed after the
// prefix was written (a guard, not a proof: there is no earlier ETag to
// send in If-Range, and clocks may differ). Beyond that the fetcher cannot
// tell a wrong prefix from a right one: the caller verifies the whole
// file's digest.

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
	d.hash = sha256.New()
	n, err := io.Copy(d.hash, io.NewSectionReader(d.out, 0, offset))
	if err != nil {
		return fmt.Errorf("resuming into %s: hashing the first %d bytes: %w", name, offset, err)
	}
	if _, err := d.out.Seek(n, io.SeekStart); err != nil {
		return fmt.Errorf("resuming into %s: %w", name, err)
	}
	d.written, d.reported = n, n
	if n > 0 {
		d.prefixTime = fi.ModTime()
	}
	return nil
}

// stale reports whether resp, continuing a prefix left by an earlier
// fetch, comes from a source modified after that prefix was written.
func (d *download) stale(resp *http.Response) bool {
	if d.prefixTime.IsZero() {
		return false
	}
	lm, err := http.ParseTime(resp.Header.Get("Last-Modified"))
	return err == nil && lm.After(d.prefixTime)
}

// complete reports whether a 416 answer to a resume says the object is
// exactly as long as what is already on disk ("Content-Range: bytes */N"
// with N the bytes written): the download is then done.
func (d *download) complete(resp *http.Response) bool {
	if resp.StatusCode != http.StatusRequestedRangeNotSatisfiable || d.written == 0 {
		return false
	}
	if resp.Header.Get("Content-Range") != fmt.Sprintf("bytes */%d", d.written) {
		return false
	}
	d.total = d.written
	return true
}
