package fetcher

import (
	"context"
	"errors"
)

// Errors of the optional Extractor capability, carried over the wire like
// the other sentinels.
var (
	// ErrUnsafeArchive means the archive breaks a safe-extraction rule (an
	// entry escaping the target folder, a link pointing out, a special
	// file, a size or entry-count limit) or is not a valid archive of its
	// format. The message names the entry and the rule.
	ErrUnsafeArchive = errors.New("fetcher: unsafe archive")
	// ErrNotExtractor means the plugin does not implement Extract: it
	// predates the capability or only fetches.
	ErrNotExtractor = errors.New("fetcher: plugin does not extract archives")
)

// Extractor is an optional capability of a fetcher plugin: checking and
// unpacking archives safely. A plugin that implements it lists the formats
// it handles in Info.Formats. batchd detects it with a type assertion on
// what it dispensed, and a call to an older plugin returns an error
// wrapping ErrNotExtractor.
//
// Extract is called after Configure, any number of times, concurrently. It
// honours ctx between entries and while copying, returning an error
// wrapping ctx.Err() when ctx ends. It returns an error wrapping
// ErrUnsafeArchive for an archive that breaks a rule (naming the entry and
// the rule), ErrUnsupported for a format it does not handle, ErrNotFound
// for a missing archive file. With req.Dest set, what was unpacked before
// an error stays; the caller owns and removes Dest.
type Extractor interface {
	Extract(ctx context.Context, req ExtractRequest) (ExtractResult, error)
}

// ExtractRequest asks to check, or unpack, one local archive file.
type ExtractRequest struct {
	// Archive is the path of the archive file.
	Archive string
	// Name is the file name the archive is known by (its URI's base
	// name), which picks the format and a plain .gz's output name; empty
	// means Archive's base name.
	Name string
	// Format, when set, overrides the format Name implies (one of Info.Formats).
	Format string
	// Dest is an existing folder to unpack into; empty means check only:
	// every rule is applied and nothing is written.
	Dest string
	// MaxBytes and MaxFiles tighten the plugin's configured limits on the
	// total extracted size and the number of entries; 0 keeps them.
	MaxBytes int64
	MaxFiles int64
}

// ExtractResult describes what an extraction made, or a check would make.
type ExtractResult struct {
	// Files counts regular files, symlinks and hard links.
	Files int64
	// Bytes is their total size, as decompressed.
	Bytes int64
}
