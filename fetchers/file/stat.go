package filefetch

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"strings"
	"syscall"
	"time"

	"github.com/batchd/batchd/plugins/fetcher"
)

// Validators. A file's version is told by its metadata: device, inode,
// size, modification and change times ("file:..."). A timestamp only
// proves a file unchanged once it is older than the file system's
// timestamp granularity (up to 2 s): a second write within the same tick
// would leave it as it was. So for a file changed within racyWindow of the
// check, the validator is the SHA-256 of its content instead
// ("sha256:..."), which is exact, and Stat re-hashes the file whenever the
// validator it is given is of that kind.

// racyWindow is how recent a timestamp must be for the metadata not to be
// trusted: the coarsest common granularity (FAT's 2 s).
const racyWindow = 2 * time.Second

const contentPrefix = "sha256:"

var _ fetcher.Stater = (*Fetcher)(nil)

// Stat returns the validator of the file req.URI names: its metadata, or
// the SHA-256 of its content when the metadata is too recent to trust or
// req.Validator is a content validator. Errors are Fetch's.
func (f *Fetcher) Stat(ctx context.Context, req fetcher.StatRequest) (fetcher.StatResult, error) {
	path, err := localPath(req.URI)
	if err != nil {
		return fetcher.StatResult{}, err
	}
	src, err := os.Open(path)
	if err != nil {
		return fetcher.StatResult{}, fmt.Errorf("stat %s: %w", path, classify(err))
	}
	defer src.Close()
	info, err := regular(path, src)
	if err != nil {
		return fetcher.StatResult{}, err
	}
	v := metaValidator(info, f.now())
	if v == "" || strings.HasPrefix(req.Validator, contentPrefix) {
		digest, err := hashFile(ctx, src)
		if err != nil {
			return fetcher.StatResult{}, fmt.Errorf("stat %s: hashing: %w", path, err)
		}
		v = contentPrefix + digest
	}
	return fetcher.StatResult{Validator: v, Size: info.Size()}, nil
}

// fetchedValidator is the validator of a file copied with the given
// digest: before and after are its metadata when the copy started and
// ended. A file that changed meanwhile gets none.
func fetchedValidator(before, after os.FileInfo, digest string, now time.Time) string {
	meta, _ := metadata(before)
	metaAfter, newest := metadata(after)
	switch {
	case meta != metaAfter:
		return ""
	case now.Sub(newest) < racyWindow:
		return contentPrefix + digest
	}
	return meta
}

// metaValidator is the file's metadata (see metadata), or "" when a
// timestamp is within racyWindow of now.
func metaValidator(info os.FileInfo, now time.Time) string {
	meta, newest := metadata(info)
	if now.Sub(newest) < racyWindow {
		return ""
	}
	return meta
}

// metadata is "file:" and the file's device, inode, size, mtime and ctime,
// and the newer of the two times.
func metadata(info os.FileInfo) (string, time.Time) {
	mtime, ctime := info.ModTime(), info.ModTime()
	var dev, ino uint64
	if st, ok := info.Sys().(*syscall.Stat_t); ok {
		dev, ino = uint64(st.Dev), st.Ino
		ctime = time.Unix(int64(st.Ctim.Sec), int64(st.Ctim.Nsec))
	}
	newest := mtime
	if ctime.After(newest) {
		newest = ctime
	}
	return fmt.Sprintf("file:%d:%d:%d:%d:%d", dev, ino, info.Size(), mtime.UnixNano(), ctime.UnixNano()), newest
}

// hashFile returns the hex SHA-256 of src's content from its start.
func hashFile(ctx context.Context, src *os.File) (string, error) {
	if _, err := src.Seek(0, io.SeekStart); err != nil {
		return "", err
	}
	h := sha256.New()
	buf := make([]byte, 256<<10)
	for {
		if err := ctx.Err(); err != nil {
			return "", err
		}
		n, err := src.Read(buf)
		h.Write(buf[:n])
		if err == io.EOF {
			return hex.EncodeToString(h.Sum(nil)), nil
		}
		if err != nil {
			return "", err
		}
	}
}
