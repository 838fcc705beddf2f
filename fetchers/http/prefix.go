package httpfetch

import (
	"fmt"
	"net/http"
)

// Resuming across fetches. When a Request carries an Offset, Dest already
// holds the first Offset bytes from an interrupted fetch. sdk.OpenDest
// keeps and hashes them, so the first attempt asks for Range:
// bytes=Offset- exactly as a retry within one fetch does; the same accept
// logic then appends on a 206 that starts at Offset and restarts from zero
// on a 200, a 206 at another offset, or a 416 (a prefix longer than the
// object). The first 206 is also refused when its Last-Modified is later
// than Dest's modification time: the source changed after the prefix was
// written (a guard, not a proof: there is no earlier ETag to send in
// If-Range, and clocks may differ). Beyond that the fetcher cannot tell a
// wrong prefix from a right one: the caller verifies the whole file's
// digest.

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
	n := d.dest.Written()
	if resp.StatusCode != http.StatusRequestedRangeNotSatisfiable || n == 0 {
		return false
	}
	if resp.Header.Get("Content-Range") != fmt.Sprintf("bytes */%d", n) {
		return false
	}
	d.dest.SetTotal(n)
	return true
}
