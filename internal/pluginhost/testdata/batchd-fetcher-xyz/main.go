// Command batchd-fetcher-xyz is a third-party extractor for a made-up
// archive format, to show that batchd asks its plugins which file names are
// archives. An .xyz archive is text, one entry a line: "path=content"
// unpacks to a file at path holding content and a newline. A path that is
// not local (absolute, or climbing out with "..") breaks the rule every
// extractor keeps. It also claims "tar.xyz", to test the longest suffix.
package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/batchd/batchd/plugins/sdk"
)

type xyz struct{}

var _ sdk.Extractor = xyz{}

func (xyz) Describe(context.Context) (sdk.FetcherInfo, error) {
	return sdk.FetcherInfo{Name: "xyz", Version: "0.1.0", Formats: []string{"xyz", "tar.xyz"}}, nil
}

func (xyz) Configure(context.Context, json.RawMessage) error { return nil }

func (xyz) Fetch(_ context.Context, req sdk.FetchRequest, _ func(sdk.Progress)) (sdk.FetchResult, error) {
	return sdk.FetchResult{}, fmt.Errorf("xyz fetches nothing (%s): %w", sdk.RedactURI(req.URI), sdk.ErrUnsupported)
}

// Extract checks every entry first, then writes them all when req.Dest is set.
func (xyz) Extract(ctx context.Context, req sdk.ExtractRequest) (sdk.ExtractResult, error) {
	f, err := os.Open(req.Archive)
	if errors.Is(err, fs.ErrNotExist) {
		return sdk.ExtractResult{}, fmt.Errorf("xyz archive %s: %w", req.Archive, sdk.ErrNotFound)
	}
	if err != nil {
		return sdk.ExtractResult{}, err
	}
	defer f.Close()
	type entry struct{ path, body string }
	var entries []entry
	var res sdk.ExtractResult
	sc := bufio.NewScanner(f)
	for n := 1; sc.Scan(); n++ {
		path, body, ok := strings.Cut(sc.Text(), "=")
		if !ok {
			return res, fmt.Errorf("xyz line %d: no \"=\": %w", n, sdk.ErrUnsafeArchive)
		}
		if !filepath.IsLocal(path) {
			return res, fmt.Errorf("xyz entry %q leaves the target folder: %w", path, sdk.ErrUnsafeArchive)
		}
		entries = append(entries, entry{path, body + "\n"})
		res.Files++
		res.Bytes += int64(len(body) + 1)
	}
	if err := sc.Err(); err != nil {
		return sdk.ExtractResult{}, err
	}
	if req.Dest == "" {
		return res, nil
	}
	for _, e := range entries {
		if err := ctx.Err(); err != nil {
			return res, err
		}
		dst := filepath.Join(req.Dest, e.path)
		if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
			return res, err
		}
		if err := os.WriteFile(dst, []byte(e.body), 0o644); err != nil {
			return res, err
		}
	}
	return res, nil
}

func main() { sdk.ServeFetcher(xyz{}) }
