// Package archivefetch is batchd's archive plugin: a fetcher that fetches
// nothing but checks and unpacks archives safely (the optional
// sdk.Extractor capability), with the rules of internal/archive: no
// entry outside the target folder, no links pointing out, no special
// files, setuid/setgid dropped, executable bits kept, and the total size
// and number of entries bounded.
//
// Formats: tar, tar.gz/tgz, tar.bz2/tbz2, tar.xz/txz, tar.zst/tzst, zip
// and plain gz.
package archivefetch

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"sync"

	"github.com/batchd/batchd/internal/archive"
	"github.com/batchd/batchd/plugins/sdk"
)

// Version is the plugin's version, reported by Describe.
const Version = "0.1.0"

// Formats are the archive formats Describe declares.
var Formats = []string{"tar", "tar.gz", "tgz", "tar.bz2", "tbz2", "tar.xz", "txz", "zip", "gz", "tar.zst", "tzst"}

// Fetcher checks and extracts archives. It is safe for concurrent use.
type Fetcher struct {
	mu  sync.RWMutex
	cfg Config
}

var (
	_ sdk.Fetcher   = (*Fetcher)(nil)
	_ sdk.Extractor = (*Fetcher)(nil)
)

// New returns an archive fetcher with cfg's limits.
func New(cfg Config) *Fetcher { return &Fetcher{cfg: cfg} }

// Describe reports the name "archive", no URI schemes and the formats.
func (f *Fetcher) Describe(ctx context.Context) (sdk.FetcherInfo, error) {
	if err := ctx.Err(); err != nil {
		return sdk.FetcherInfo{}, err
	}
	return sdk.FetcherInfo{Name: "archive", Version: Version, Formats: Formats}, nil
}

// Configure sets the limits from {"max_bytes": "8GiB" or a number,
// "max_files": N}; unknown keys and bad values wrap sdk.ErrInvalidConfig.
func (f *Fetcher) Configure(ctx context.Context, settings json.RawMessage) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	cfg, err := f.cfg.applyJSON(settings)
	if err != nil {
		return err
	}
	f.cfg = cfg
	return nil
}

// Fetch handles no URI: it returns an error wrapping sdk.ErrUnsupported.
func (f *Fetcher) Fetch(_ context.Context, req sdk.FetchRequest, _ func(sdk.Progress)) (sdk.FetchResult, error) {
	return sdk.FetchResult{}, fmt.Errorf("fetching %s: the archive plugin extracts archives and fetches no URI: %w", sdk.RedactURI(req.URI), sdk.ErrUnsupported)
}

// Extract checks req.Archive (req.Dest empty) or unpacks it into req.Dest
// under the configured limits, tightened by the request's. A broken rule
// or a corrupt archive wraps sdk.ErrUnsafeArchive and names the entry
// and rule; an unknown format wraps sdk.ErrUnsupported, a missing file
// sdk.ErrNotFound.
func (f *Fetcher) Extract(ctx context.Context, req sdk.ExtractRequest) (sdk.ExtractResult, error) {
	f.mu.RLock()
	cfg := f.cfg
	f.mu.RUnlock()
	lim := archive.Limits{MaxBytes: cfg.MaxBytes, MaxFiles: cfg.MaxFiles}
	if req.MaxBytes > 0 && req.MaxBytes < lim.MaxBytes {
		lim.MaxBytes = req.MaxBytes
	}
	if req.MaxFiles > 0 && req.MaxFiles < int64(lim.MaxFiles) {
		lim.MaxFiles = int(req.MaxFiles)
	}
	lim.MaxEntryBytes = lim.MaxBytes
	src := archive.Source{Path: req.Archive, Name: req.Name}
	if req.Format != "" {
		fm, ok := archive.ParseFormat(req.Format)
		if !ok {
			return sdk.ExtractResult{}, fmt.Errorf("extracting %s: format %q: %w", req.Archive, req.Format, sdk.ErrUnsupported)
		}
		src.Format = fm
	}
	var stats archive.Stats
	var err error
	if req.Dest == "" {
		stats, err = src.Check(ctx, lim)
	} else {
		stats, err = src.Extract(ctx, req.Dest, lim)
	}
	res := sdk.ExtractResult{Files: int64(stats.Files), Bytes: stats.Bytes}
	return res, wireError(err)
}

// wireError adds the contract's sentinel to an error of internal/archive.
func wireError(err error) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, archive.ErrUnsafe), errors.Is(err, archive.ErrCorrupt):
		return fmt.Errorf("%w: %w", err, sdk.ErrUnsafeArchive)
	case errors.Is(err, archive.ErrUnknownFormat):
		return fmt.Errorf("%w: %w", err, sdk.ErrUnsupported)
	case errors.Is(err, fs.ErrNotExist):
		return fmt.Errorf("%w: %w", err, sdk.ErrNotFound)
	case errors.Is(err, fs.ErrPermission):
		return fmt.Errorf("%w: %w", err, sdk.ErrPermission)
	}
	return err
}
