package ftpfetch

import "time"

// Resuming across fetches. When a Request carries an Offset, Dest already
// holds the first Offset bytes from an interrupted fetch. sdk.OpenDest
// keeps and hashes them, so the first attempt sends REST Offset exactly as
// a retry within one fetch does, and falls back to byte 0 the same way
// when the server refuses REST. A prefix longer than the file (by SIZE) is
// not trusted: the download starts over (see checkPrefix); so does one
// written before the file's modification time (by MDTM, when the server
// has it: the file changed since; a guard, not a proof, as clocks may
// differ). Beyond that the fetcher cannot tell a wrong prefix from a right
// one: the caller verifies the whole file's digest. A fetch that kept such
// a prefix reports no validator (when the prefix was read is not known),
// so a later run fetches the file again rather than keep a copy that may
// mix two versions.

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
	written, total := d.dest.Written(), d.dest.Total()
	switch {
	case total < 0 || written < total:
		return false, nil
	case written == total:
		return true, nil
	}
	return false, d.restart()
}
