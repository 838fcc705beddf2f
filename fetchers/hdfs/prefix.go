package hdfsfetch

import (
	"os"

	"github.com/batchd/batchd/plugins/sdk"
)

// Resuming across fetches. When a Request carries an Offset, Dest already
// holds the first Offset bytes of the file from an interrupted fetch:
// openDest keeps them (sdk.OpenDest hashes them) and the copy seeks the
// HDFS file to Offset, the same way a read that failed mid-fetch resumes.
// A directory (a tar stream built on the fly) always starts over, and so
// does a prefix longer than the file or last written before the file's
// modification time (the file changed since; a guard, not a proof, as
// clocks may differ). Beyond that the fetcher cannot tell a wrong prefix
// from a right one: the caller verifies the whole file's digest. A fetch
// that kept such a prefix reports no validator (when the prefix was read
// is not known), so a later run fetches the file again rather than keep a
// copy that may mix two versions.

// openDest opens req.Dest for the object info describes, keeping the
// prefix req.Offset names only when it may belong to that object.
func (s *session) openDest(req sdk.FetchRequest, info os.FileInfo, progress func(sdk.Progress)) (*sdk.Dest, error) {
	if info.IsDir() || req.Offset > info.Size() {
		req.Offset = 0
	}
	d, err := sdk.OpenDest(req, progress)
	if err != nil {
		return nil, err
	}
	if pt := d.PrefixTime(); !pt.IsZero() && pt.Before(info.ModTime()) {
		if err := d.Restart(); err != nil {
			d.Abort()
			return nil, err
		}
	}
	return d, nil
}
