package archive

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
)

// Source names an archive file and how to read it.
type Source struct {
	// Path is the archive file.
	Path string
	// Name is the file name the archive is known by (its URI's base name,
	// say); empty means Path's base name. It picks the format (FormatOf),
	// and a plain .gz is written under Name without ".gz".
	Name string
	// Format, when set, is used instead of the one Name implies. When
	// neither gives a format, it is sniffed from the first bytes.
	Format Format
}

// Extract unpacks the archive file src into the folder dstDir, which must
// exist, taking the format from src's name (else its first bytes). See
// Source.Extract.
func Extract(ctx context.Context, src, dstDir string, lim Limits) (Stats, error) {
	return Source{Path: src}.Extract(ctx, dstDir, lim)
}

// Check reads the archive file src through, applying every rule of Extract
// but writing nothing. See Source.Check.
func Check(ctx context.Context, src string, lim Limits) (Stats, error) {
	return Source{Path: src}.Check(ctx, lim)
}

// Extract unpacks the archive into the existing folder dstDir under the
// package's rules and lim. Existing files may be replaced, but symlinks
// already in dstDir are never followed. The error is a *RuleError (matching
// ErrUnsafe) for a broken rule, or wraps ErrCorrupt, ErrUnknownFormat, a
// file system error, or ctx.Err() when ctx ends first (it is checked between
// entries and while copying). On error, what was written before the bad
// entry stays (for a zip, whose files are written concurrently, so may a
// few entries after it); the bad entry itself is not written, and a symlink
// found to escape only once the archive is complete is removed. The error
// is the one of the first bad entry in archive order, as Check reports.
func (s Source) Extract(ctx context.Context, dstDir string, lim Limits) (Stats, error) {
	root, err := os.OpenRoot(dstDir)
	if err != nil {
		return Stats{}, fmt.Errorf("extracting %s: opening the target folder: %w", s.name(), err)
	}
	defer root.Close()
	return s.run(ctx, &diskSink{root: root, dirs: map[string]bool{}}, lim)
}

// Check reads the archive through under the same rules and limits as
// Extract, decompressing everything to count its real size, and writes
// nothing. For an empty target folder its verdict is Extract's.
func (s Source) Check(ctx context.Context, lim Limits) (Stats, error) {
	return s.run(ctx, checkSink{}, lim)
}

func (s Source) name() string {
	if s.Name != "" {
		return s.Name
	}
	return filepath.Base(s.Path)
}

func (s Source) run(ctx context.Context, sk sink, lim Limits) (Stats, error) {
	f, err := os.Open(s.Path)
	if err != nil {
		return Stats{}, fmt.Errorf("extracting %s: %w", s.name(), err)
	}
	defer f.Close()
	format, err := s.format(f)
	if err != nil {
		return Stats{}, fmt.Errorf("extracting %s: %w", s.name(), err)
	}
	x := &extractor{ctx: ctx, lim: lim.withDefaults(), tree: newTree(), sink: sk, buf: make([]byte, 256<<10)}
	switch format {
	case Zip:
		err = x.zip(f)
	case Gz:
		err = x.gz(f, s.name())
	default:
		err = x.compressedTar(f, format)
	}
	// Even after an error, no symlink that escapes through a later one may stay.
	if ferr := x.finish(); err == nil {
		err = ferr
	}
	if err != nil {
		return x.stats, fmt.Errorf("extracting %s: %w", s.name(), err)
	}
	return x.stats, nil
}

// format decides the archive's format: Format, else Name, else magic bytes.
func (s Source) format(f io.ReaderAt) (Format, error) {
	if s.Format != "" {
		if fm, ok := ParseFormat(string(s.Format)); ok {
			return fm, nil
		}
		return "", fmt.Errorf("%w %q", ErrUnknownFormat, s.Format)
	}
	if fm, ok := FormatOf(s.name()); ok {
		return fm, nil
	}
	if fm, ok := Sniff(f); ok {
		return fm, nil
	}
	return "", fmt.Errorf("%w: neither the name nor the first bytes tell", ErrUnknownFormat)
}

// extractor walks one archive, checks each entry against the tree and the
// limits, and hands it to the sink.
type extractor struct {
	ctx     context.Context
	lim     Limits
	tree    *tree
	sink    sink
	stats   Stats
	entries int
	buf     []byte
	// bodies, when set, writes the bodies of entries that come with an
	// open function (zip's), while the extractor goes on.
	bodies *bodyWriters
}

// finish re-checks every symlink against the complete archive and removes
// those that escape.
func (x *extractor) finish() error {
	bad := x.tree.badLinks()
	for _, b := range bad {
		x.sink.remove(b.rel)
	}
	if len(bad) > 0 {
		return bad[0].err
	}
	return nil
}

// copy copies an entry's body to w within the size limits, checking ctx.
func (x *extractor) copy(entry string, w io.Writer, r io.Reader) (int64, error) {
	room := min(x.lim.MaxEntryBytes, x.lim.MaxBytes-x.stats.Bytes)
	return copyBody(x.ctx, x.buf, entry, w, r, room, x.lim.MaxEntryBytes, x.lim.MaxBytes)
}

// copyBody copies r to w through buf, at most room bytes (what is left of
// the limits maxEntry and maxBytes when the entry began), checking ctx.
func copyBody(ctx context.Context, buf []byte, entry string, w io.Writer, r io.Reader, room, maxEntry, maxBytes int64) (int64, error) {
	var n int64
	for {
		if err := ctx.Err(); err != nil {
			return n, err
		}
		// Read one byte past the room, to notice a body that does not fit.
		k, rerr := r.Read(buf[:min(int64(len(buf)), room-n+1)])
		if k > 0 {
			if n+int64(k) > room {
				if n+int64(k) > maxEntry {
					return n, broke(entry, RuleEntryTooBig, "more than %d bytes", maxEntry)
				}
				return n, broke(entry, RuleTooBig, "more than %d bytes in all", maxBytes)
			}
			if _, err := w.Write(buf[:k]); err != nil {
				return n, fmt.Errorf("entry %q: %w", entry, err)
			}
			n += int64(k)
		}
		if errors.Is(rerr, io.EOF) {
			return n, nil
		}
		if rerr != nil {
			return n, corrupt(fmt.Sprintf("entry %q", entry), rerr)
		}
	}
}

// filePerm is the mode a regular file gets: its permission bits without
// setuid, setgid or sticky, readable and writable by the owner, writable by
// no one else; executable bits are kept.
func filePerm(m fs.FileMode) fs.FileMode {
	return (m.Perm() | 0o600) &^ 0o022
}
