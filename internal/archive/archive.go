// Package archive extracts archives safely: tar (plain, gzip, bzip2, xz or
// zstd compressed), zip and plain gzip files, into a target folder that no
// entry can leave.
//
// The rules, checked for every entry before anything is written for it:
// names are relative and have no ".." component; symlinks may point only
// inside the target folder (resolved through the archive's other symlinks,
// also once the whole archive is known); hard links must name a regular file
// the archive created earlier; nothing is written through a symlink, neither
// one the archive made nor one already in the target folder; devices, fifos
// and other special files are refused; setuid, setgid and sticky bits are
// dropped while the executable bits are kept; the total size written, the size
// of each entry and the number of entries are bounded by Limits, counting the
// bytes actually decompressed, not what headers claim. A broken rule stops the
// extraction with a *RuleError naming the entry and the rule.
//
// Check applies the same rules without writing anything, so a caller can
// refuse an archive before handing it to thousands of tasks. The package
// imports no other batchd package.
package archive

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
)

// Format is an archive format, named by its canonical file name suffix.
type Format string

// The formats Extract understands.
const (
	Tar    Format = "tar"
	TarGz  Format = "tar.gz"
	TarBz2 Format = "tar.bz2"
	TarXz  Format = "tar.xz"
	TarZst Format = "tar.zst"
	Zip    Format = "zip"
	Gz     Format = "gz"
)

// suffixes maps file name suffixes (and format names) to formats, longest
// suffixes first so "x.tar.gz" is a tar.gz, not a gz.
var suffixes = []struct {
	suffix string
	format Format
}{
	{"tar.gz", TarGz}, {"tar.bz2", TarBz2}, {"tar.xz", TarXz}, {"tar.zst", TarZst},
	{"tgz", TarGz}, {"tbz2", TarBz2}, {"txz", TarXz}, {"tzst", TarZst},
	{"tar", Tar}, {"zip", Zip}, {"gz", Gz},
}

// Names lists every format name and alias ParseFormat accepts, as a fetcher
// plugin declares them.
func Names() []string {
	out := make([]string, len(suffixes))
	for i, s := range suffixes {
		out[i] = s.suffix
	}
	return out
}

// FormatOf returns the format of a file by its name, as the Mesos fetcher
// decides whether to extract. It is the archive plugin's and the embedded
// agents' list; batchd's core asks the loaded fetcher plugins instead
// (their Info.Formats), so a third-party extractor's formats count too.
// Matched by suffix, case insensitive (".tar.gz", ".tgz",
// ".tar.bz2", ".tbz2", ".tar.xz", ".txz", ".tar.zst", ".tzst", ".tar",
// ".zip", ".gz").
func FormatOf(name string) (Format, bool) {
	n := strings.ToLower(filepath.Base(name))
	for _, s := range suffixes {
		if strings.HasSuffix(n, "."+s.suffix) {
			return s.format, true
		}
	}
	return "", false
}

// ParseFormat returns the format named s ("tar.gz", "tgz", ".zip"...), case
// insensitive, with or without a leading dot.
func ParseFormat(s string) (Format, bool) {
	s = strings.TrimPrefix(strings.ToLower(s), ".")
	for _, x := range suffixes {
		if x.suffix == s {
			return x.format, true
		}
	}
	return "", false
}

// Limits bound what one extraction may create. A zero field takes its value
// from DefaultLimits.
type Limits struct {
	// MaxBytes bounds the total bytes written, counted as decompressed.
	MaxBytes int64
	// MaxEntryBytes bounds the size of any one file.
	MaxEntryBytes int64
	// MaxFiles bounds the number of entries of any kind (files, folders, links).
	MaxFiles int
	// MaxDepth bounds the number of path components of an entry name.
	MaxDepth int
}

// Defaults: large enough for any real tool bundle, small enough to stop a bomb.
const (
	DefaultMaxBytes = 8 << 30
	DefaultMaxFiles = 100_000
	DefaultMaxDepth = 128
)

// DefaultLimits returns the limits used for zero fields: 8 GiB in total and
// per entry, 100,000 entries, 128 path components.
func DefaultLimits() Limits {
	return Limits{MaxBytes: DefaultMaxBytes, MaxEntryBytes: DefaultMaxBytes, MaxFiles: DefaultMaxFiles, MaxDepth: DefaultMaxDepth}
}

// withDefaults returns l with zero (or negative) fields set from DefaultLimits.
func (l Limits) withDefaults() Limits {
	d := DefaultLimits()
	if l.MaxBytes <= 0 {
		l.MaxBytes = d.MaxBytes
	}
	if l.MaxEntryBytes <= 0 {
		l.MaxEntryBytes = d.MaxEntryBytes
	}
	if l.MaxFiles <= 0 {
		l.MaxFiles = d.MaxFiles
	}
	if l.MaxDepth <= 0 {
		l.MaxDepth = d.MaxDepth
	}
	return l
}

// Stats counts what an extraction created (or, for Check, would create).
type Stats struct {
	// Files counts regular files, symlinks and hard links.
	Files int
	// Dirs counts folder entries.
	Dirs int
	// Bytes is the total size of the regular files.
	Bytes int64
}

// Errors, matched with errors.Is.
var (
	// ErrUnsafe is matched by every *RuleError.
	ErrUnsafe = errors.New("archive: unsafe archive")
	// ErrCorrupt means the archive is not a valid file of its format
	// (truncated, bad checksum, bad header).
	ErrCorrupt = errors.New("archive: corrupt archive")
	// ErrUnknownFormat means the format could be told neither from the
	// name nor from the first bytes.
	ErrUnknownFormat = errors.New("archive: unknown archive format")
)

// corrupt wraps a read error of the archive, keeping ctx errors as they are.
func corrupt(what string, err error) error {
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return err
	}
	return fmt.Errorf("%s: %w: %w", what, ErrCorrupt, err)
}
