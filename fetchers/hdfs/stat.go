package hdfsfetch

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"hash"
	"os"
	"strconv"
	"time"

	"github.com/batchd/batchd/plugins/sdk"
	"github.com/colinmarc/hdfs/v2"
)

// Validators. A file's version is told by what the namenode says of it:
// its length, its modification time (kept to the millisecond) and its
// inode id ("hdfs:<length>:<mtime ms>:<fileId>"). HDFS changes a file's
// bytes only by creating it anew (a new inode, even when it overwrites),
// appending or truncating (the length changes, and closing the file sets
// the modification time) or concatenating (the modification time changes);
// the id also tells apart a file replaced by a copy that kept the old
// one's length and time (distcp -pt). A fetch reads exactly the length the
// namenode reported, so bytes appended later are not in it.
//
// A directory is staged as a tar of its tree, whose bytes follow from the
// names, types, permissions, owners, groups and modification times of the
// entries and the files' bytes. Its validator is the SHA-256 of that
// listing, with each file's version as above ("hdfs-tree:<entries>:<hex>"):
// metadata only, one getListing per directory, no block read. It changes
// with any entry added, removed, renamed, chmod'ed or chown'ed, or any file
// changed.
//
// A modification time within racyWindow of the check (or in the future) is
// too recent to trust, for the file or any entry of a tree: no validator.
// Fetch asks before reading and again after, and reports a validator only
// when both agree; so a tree changed while it was read gets none.

// racyWindow is how recent a modification time must be not to be
// trusted: HDFS's one-millisecond resolution, and up to a second for the
// clocks of the namenode and this host to differ.
const racyWindow = time.Second + time.Millisecond

// Stat returns the validator of the file or tree req.URI names ("" when a
// modification time is too recent to trust) and its size (a file's
// length; -1 for a tree, whose tar size is known only once written). It
// asks the namenode only. A missing path wraps sdk.ErrNotFound, a
// refused one sdk.ErrPermission, namenodes that cannot be reached
// sdk.ErrUnavailable; when ctx ends the error wraps ctx.Err().
// req.Validator is not used: the namenode answers no conditional request.
func (f *Fetcher) Stat(ctx context.Context, req sdk.StatRequest) (sdk.StatResult, error) {
	s, err := f.open(ctx, req.URI)
	if err != nil {
		return sdk.StatResult{}, fmt.Errorf("stat %w", err)
	}
	defer s.close()
	v, err := s.version(s.target.path)
	if err != nil {
		if ctx.Err() != nil {
			err = fmt.Errorf("%w (%w)", ctx.Err(), err)
		}
		return sdk.StatResult{}, fmt.Errorf("stat %s: %w", sdk.RedactURI(req.URI), err)
	}
	return sdk.StatResult{Validator: v.validator(), Size: v.size}, nil
}

// version asks the namenode for the version of the file or tree at p.
func (s *session) version(p string) (*version, error) {
	v := newVersion(s.now())
	info, err := s.client.Stat(p)
	if err != nil {
		return nil, classify(err)
	}
	err = s.walk(p, entryName(p), info, func(_, name string, fi os.FileInfo) error {
		v.add(name, fi)
		return nil
	})
	return v, err
}

// version is the metadata of a file, or of every entry of a tree, as the
// namenode listed it.
type version struct {
	asked   time.Time // before the first entry was asked for
	entries int
	dir     bool      // the first entry is a directory
	file    string    // the last entry's length, mtime and id
	size    int64     // the first entry's length, -1 for a directory
	listing hash.Hash // SHA-256 of every entry
	racy    bool      // an entry's mtime is too recent to trust
}

// newVersion starts a version asked for at now.
func newVersion(now time.Time) *version {
	return &version{asked: now, listing: sha256.New()}
}

// add records one entry, staged as name.
func (v *version) add(name string, fi os.FileInfo) {
	st, _ := fi.Sys().(*hdfs.FileStatus) // its getters take nil
	if v.entries == 0 {
		v.dir, v.size = fi.IsDir(), fi.Size()
		if v.dir {
			v.size = -1
		}
	}
	v.entries++
	mtime := fi.ModTime()
	if v.asked.Sub(mtime) < racyWindow {
		v.racy = true
	}
	v.file = strconv.FormatInt(fi.Size(), 10) + ":" + strconv.FormatInt(mtime.UnixMilli(), 10) + ":" + strconv.FormatUint(st.GetFileId(), 10)
	fmt.Fprintf(v.listing, "%q %t %o %q %q %s\n", name, fi.IsDir(), st.GetPermission().GetPerm(), st.GetOwner(), st.GetGroup(), v.file)
}

// key names the version whatever its modification times.
func (v *version) key() string {
	switch {
	case v.entries == 0:
		return ""
	case v.dir:
		return "hdfs-tree:" + strconv.Itoa(v.entries) + ":" + hex.EncodeToString(v.listing.Sum(nil))
	}
	return "hdfs:" + v.file
}

// validator is key, or "" when a modification time is too recent to trust.
func (v *version) validator() string {
	if v.racy {
		return ""
	}
	return v.key()
}

// fetchedValidator is the validator of bytes read between before and
// after: "" unless the namenode reported the same version both times.
func fetchedValidator(before, after *version) string {
	if before.key() != after.key() {
		return ""
	}
	return before.validator()
}
