// Package fetcher is the contract between batchd and a fetcher plugin: the Go
// interface a plugin implements, the types that cross the wire, and the gRPC
// shims that carry them over hashicorp/go-plugin.
//
// A fetcher copies what a URI names to a local path that batchd gives it.
// Bytes go to disk, never through RPC; only sizes, digests and progress
// cross the wire.
package fetcher

import (
	"context"
	"encoding/json"
	"errors"
)

// ProtocolVersion is the go-plugin protocol version of this contract.
const ProtocolVersion = 1

// PluginName is the name the fetcher is dispensed under in go-plugin's plugin map.
const PluginName = "fetcher"

// Sentinel errors. Plugins wrap them; the gRPC layer carries them as status
// codes and the client turns the codes back into these values, so callers
// compare with errors.Is.
var (
	// ErrNotFound means the URI names nothing (HTTP 404, missing file).
	ErrNotFound = errors.New("fetcher: not found")
	// ErrPermission means the source refused access (HTTP 401/403, EACCES).
	ErrPermission = errors.New("fetcher: permission denied")
	// ErrUnsupported means the fetcher does not handle this URI.
	ErrUnsupported = errors.New("fetcher: unsupported uri")
	// ErrUnavailable means the source could not be reached; retrying later may work.
	ErrUnavailable = errors.New("fetcher: source unavailable")
	// ErrInvalidConfig means Configure was given settings it cannot use.
	ErrInvalidConfig = errors.New("fetcher: invalid config")
)

// Fetcher is implemented by a fetcher plugin.
//
// Lifecycle: batchd calls Describe once after launching the plugin, then
// Configure once with the fetcher's config section (possibly empty), then
// Fetch any number of times, concurrently. All methods honour ctx: when it is
// cancelled they stop, remove partial output they created (unless
// Request.KeepPartial asks to keep it), and return an
// error wrapping ctx.Err().
type Fetcher interface {
	// Describe returns the fetcher's name, version and the URI schemes it handles.
	Describe(ctx context.Context) (Info, error)
	// Configure hands the fetcher its settings ([fetchers.NAME] in the config, as JSON).
	Configure(ctx context.Context, settings json.RawMessage) error
	// Fetch copies req.URI to req.Dest, a path the caller owns whose parent
	// exists, calling progress from time to time. It returns the size and
	// SHA-256 of what it wrote.
	Fetch(ctx context.Context, req Request, progress func(Progress)) (Result, error)
}

// Info describes a fetcher plugin.
type Info struct {
	Name    string
	Version string
	// Schemes are the URI schemes handled, lower case ("http", "https", "file").
	Schemes []string
	// Formats are the archive formats the plugin's Extract handles, lower
	// case file name suffixes without the dot ("tar.gz", "tgz", "zip").
	// Only a plugin that implements Extractor lists any.
	Formats []string
}

// Request asks for one URI.
type Request struct {
	URI string
	// Dest is the local file path to write.
	Dest string
	// Offset, when positive, says Dest already holds the first Offset bytes
	// of the object, from an interrupted fetch. A fetcher that can resume
	// appends from there (HTTP Range, FTP REST, a seek) and returns the Size
	// and SHA256 of the WHOLE file, prefix included; one that cannot
	// truncates Dest and starts over. A fetcher never trusts a prefix longer
	// than the object: it starts over then. It cannot tell a wrong prefix
	// from a right one; the caller verifies the result (size, digest,
	// checksum). 0 means a fresh fetch. An older plugin ignores Offset and
	// starts over, which is still correct.
	Offset int64
	// KeepPartial asks a fetcher that fails (or is cancelled) to leave the
	// bytes it wrote in Dest, a prefix of the object, so that a later Fetch
	// can resume them with Offset, instead of removing Dest. The caller then
	// owns and removes Dest. An older plugin ignores it and removes Dest.
	KeepPartial bool
}

// Progress reports a fetch under way.
type Progress struct {
	// Bytes fetched so far.
	Bytes int64
	// Total expected, or -1 when unknown.
	Total int64
}

// Result describes a finished fetch.
type Result struct {
	Size int64
	// SHA256 is the lower-case hex digest of the bytes written to Dest.
	SHA256 string
	// Validator names the version of the object that was fetched, as
	// StatResult.Validator does, taken from the same response or file the
	// bytes came from; "" when the source cannot say or the object changed
	// while it was read. An older plugin sends none.
	Validator string
}
