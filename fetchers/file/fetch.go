// Package filefetch is batchd's fetcher for local files: file:// URIs
// (with an empty or "localhost" host) and plain absolute paths.
//
// It copies the file to the destination the caller names, computing the
// SHA-256 of the bytes written and reporting progress as it goes, and tells
// batchd which version of the file it copied (stat.go), so a later run
// reuses its staged copy only while the file is unchanged.
//
// It never resumes: given a Request.Offset it truncates the destination and
// copies the whole file again, and it removes a partial destination even
// when Request.KeepPartial asks to keep it. A local copy is cheap, and a
// fresh one always matches the source as it is now, so a stale or wrong
// prefix can never reach the result.
package filefetch

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"time"

	"github.com/batchd/batchd/plugins/sdk"
)

// Version is the fetcher's version, reported by Describe.
const Version = "0.1.0"

// Fetcher copies local files. The zero value is not used; call New.
// It is safe for concurrent use.
type Fetcher struct {
	now func() time.Time // the clock validators are judged by
}

var _ sdk.Fetcher = (*Fetcher)(nil)

// New returns a file fetcher.
func New() *Fetcher { return &Fetcher{now: time.Now} }

// Describe reports the fetcher's name, version and the "file" scheme.
// Plain absolute paths (no scheme) are handled too.
func (f *Fetcher) Describe(ctx context.Context) (sdk.FetcherInfo, error) {
	if err := ctx.Err(); err != nil {
		return sdk.FetcherInfo{}, err
	}
	return sdk.FetcherInfo{Name: "file", Version: Version, Schemes: []string{"file"}}, nil
}

// Configure accepts an empty settings object: the file fetcher has no
// settings. Any key is an error wrapping sdk.ErrInvalidConfig.
func (f *Fetcher) Configure(ctx context.Context, settings json.RawMessage) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	return sdk.DecodeSettings("file fetcher", settings, func(string, json.RawMessage) error {
		return errors.New("unknown key: the file fetcher has no settings")
	})
}

// Fetch copies the file req.URI names to req.Dest. A missing file is an
// error wrapping sdk.ErrNotFound, a refused one sdk.ErrPermission, a
// URI this fetcher does not handle (another host, a relative path)
// sdk.ErrUnsupported. Directories are refused. When ctx is cancelled
// Fetch stops, removes req.Dest and returns an error wrapping ctx.Err().
// req.Offset and req.KeepPartial are ignored: every fetch copies the whole
// file afresh (see the package comment).
func (f *Fetcher) Fetch(ctx context.Context, req sdk.FetchRequest, progress func(sdk.Progress)) (sdk.FetchResult, error) {
	path, err := localPath(req.URI)
	if err != nil {
		return sdk.FetchResult{}, err
	}
	shown := sdk.RedactURI(req.URI)
	src, err := os.Open(path)
	if err != nil {
		return sdk.FetchResult{}, fmt.Errorf("fetching %s: %w", shown, classify(err))
	}
	defer src.Close()
	info, err := regular(shown, src)
	if err != nil {
		return sdk.FetchResult{}, err
	}
	if di, err := os.Stat(req.Dest); err == nil && os.SameFile(info, di) {
		return sdk.FetchResult{}, fmt.Errorf("fetching %s: destination %s is the source file", shown, req.Dest)
	}
	// Every fetch copies the whole file afresh, and removes it on failure.
	res, err := copyTo(ctx, sdk.FetchRequest{Dest: req.Dest}, src, info.Size(), progress)
	if err != nil {
		return sdk.FetchResult{}, fmt.Errorf("fetching %s to %s: %w", shown, req.Dest, err)
	}
	if after, err := src.Stat(); err == nil {
		res.Validator = fetchedValidator(info, after, res.SHA256, f.now())
	}
	return res, nil
}

// regular returns the metadata of the open file src (fetched as uri),
// refusing directories and special files with sdk.ErrUnsupported.
func regular(uri string, src *os.File) (os.FileInfo, error) {
	info, err := src.Stat()
	if err != nil {
		return nil, fmt.Errorf("fetching %s: %w", uri, classify(err))
	}
	if info.IsDir() {
		return nil, fmt.Errorf("fetching %s: %w: is a directory (fetching directories is not supported)", uri, sdk.ErrUnsupported)
	}
	if !info.Mode().IsRegular() {
		return nil, fmt.Errorf("fetching %s: %w: not a regular file (%s)", uri, sdk.ErrUnsupported, info.Mode().Type())
	}
	return info, nil
}

// classify wraps a file system error in the matching fetcher sentinel.
func classify(err error) error {
	// The caller names the file: "open /x: no such file" would say it again.
	if pe, ok := err.(*fs.PathError); ok {
		err = fmt.Errorf("%s: %w", pe.Op, pe.Err)
	}
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return fmt.Errorf("%w: %w", sdk.ErrNotFound, err)
	case errors.Is(err, fs.ErrPermission):
		return fmt.Errorf("%w: %w", sdk.ErrPermission, err)
	}
	return err
}

// copyTo writes src to req.Dest through an sdk.Dest, checking ctx between
// chunks. total is the expected size, for progress.
func copyTo(ctx context.Context, req sdk.FetchRequest, src io.Reader, total int64, progress func(sdk.Progress)) (sdk.FetchResult, error) {
	d, err := sdk.OpenDest(req, progress)
	if err != nil {
		return sdk.FetchResult{}, err
	}
	defer d.Abort()
	d.SetTotal(total)
	d.Report()
	buf := make([]byte, 256<<10)
	for {
		if err := ctx.Err(); err != nil {
			return sdk.FetchResult{}, err
		}
		k, rerr := src.Read(buf)
		if _, err := d.Write(buf[:k]); err != nil {
			return sdk.FetchResult{}, err
		}
		if rerr == io.EOF {
			return d.Commit()
		}
		if rerr != nil {
			return sdk.FetchResult{}, rerr
		}
	}
}
