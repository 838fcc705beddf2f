package hdfsfetch

import (
	"crypto/sha256"
	"fmt"
	"hash"
	"io"
	"os"
	"time"
)

// Resuming across fetches. When a Request carries an Offset, Dest already
// holds the first Offset bytes of the file from an interrupted fetch:
// openDest hashes them and the copy seeks the HDFS file to Offset, the same
// way a read that failed mid-fetch resumes. A directory (a tar stream built
// on the fly) always starts over, and so does a prefix longer than the
// file or last written before the file's modification time (the file
// changed since; a guard, not a proof, as clocks may differ). Beyond that
// the fetcher cannot tell a wrong prefix from a right one: the caller
// verifies the whole file's digest. A fetch that kept such a prefix reports
// no validator (when the prefix was read is not known), so a later run
// fetches the file again rather than keep a copy that may mix two versions.

// openDest opens dest for an object of size bytes (-1 for a directory's
// tar stream) modified at modTime, and returns it positioned after the
// prefix it keeps, a hash of that prefix, and the prefix's length. Without
// a usable prefix dest is truncated.
func openDest(dest string, offset, size int64, modTime time.Time) (*os.File, hash.Hash, int64, error) {
	h := sha256.New()
	if offset <= 0 || size < 0 || offset > size {
		out, err := os.OpenFile(dest, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o644)
		return out, h, 0, err
	}
	out, err := os.OpenFile(dest, os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		return nil, nil, 0, err
	}
	n, err := adopt(out, h, offset, modTime)
	if err != nil {
		out.Close()
		return nil, nil, 0, fmt.Errorf("resuming into %s: %w", dest, err)
	}
	return out, h, n, nil
}

// adopt keeps the first offset bytes of out (none when it is shorter or
// was last written before notBefore), hashes them into h and seeks past
// them.
func adopt(out *os.File, h hash.Hash, offset int64, notBefore time.Time) (int64, error) {
	fi, err := out.Stat()
	if err != nil {
		return 0, err
	}
	if fi.Size() < offset || fi.ModTime().Before(notBefore) {
		offset = 0
	}
	if err := out.Truncate(offset); err != nil {
		return 0, err
	}
	n, err := io.Copy(h, io.NewSectionReader(out, 0, offset))
	if err != nil {
		return 0, fmt.Errorf("hashing the first %d bytes: %w", offset, err)
	}
	_, err = out.Seek(n, io.SeekStart)
	return n, err
}
