// Package datafetch is an example batchd fetcher plugin written outside
// batchd's module against the plugin SDK: it handles data: URIs (RFC 2397),
// whose bytes are in the URI itself, base64 or percent-encoded:
//
//	data:text/plain;base64,aGVsbG8gd29ybGQK
//	data:,hello%20world%0A
//	data://,hello%20world%0A    (also accepted, see decode)
//
// It shows what every fetcher owes batchd: writing to the path batchd
// names, resuming from Request.Offset, reporting the size and SHA-256 of
// the whole file and progress, leaving a partial file only when
// Request.KeepPartial asks, and wrapping the SDK's sentinel errors.
package datafetch

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/batchd/batchd/plugins/sdk"
)

// Version is the fetcher's version, reported by Describe.
const Version = "0.1.0"

// Fetcher fetches data: URIs. It is safe for concurrent use after
// Configure.
type Fetcher struct {
	// chunk is how many bytes Fetch writes between progress reports and
	// checks of its context (the setting chunk_size).
	chunk int
}

var _ sdk.Fetcher = (*Fetcher)(nil)

// New returns a data: fetcher with its default settings.
func New() *Fetcher { return &Fetcher{chunk: 64 << 10} }

// Describe reports the fetcher's name, version and the "data" scheme.
func (f *Fetcher) Describe(ctx context.Context) (sdk.FetcherInfo, error) {
	if err := ctx.Err(); err != nil {
		return sdk.FetcherInfo{}, err
	}
	return sdk.FetcherInfo{Name: "data", Version: Version, Schemes: []string{"data"}}, nil
}

// Configure takes the settings of [fetchers.data]: chunk_size, a positive
// number of bytes. Other keys are errors wrapping sdk.ErrInvalidConfig.
func (f *Fetcher) Configure(ctx context.Context, settings json.RawMessage) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	return sdk.DecodeSettings("data fetcher", settings, func(key string, raw json.RawMessage) error {
		switch key {
		case "chunk_size":
			return sdk.SettingCount(raw, &f.chunk, 1)
		}
		return errors.New("unknown key (want chunk_size)")
	})
}

// Fetch writes the bytes req.URI carries to req.Dest. With req.Offset > 0
// it keeps the first Offset bytes already in Dest and appends the rest,
// unless Offset exceeds the data's length: then it starts over. Size and
// SHA256 are those of the whole file. A URI that is not a valid data: URI
// is an error wrapping sdk.ErrUnsupported. When ctx ends Fetch stops and
// removes Dest, or leaves it if req.KeepPartial is set.
func (f *Fetcher) Fetch(ctx context.Context, req sdk.FetchRequest, progress func(sdk.Progress)) (sdk.FetchResult, error) {
	data, err := decode(req.URI)
	if err != nil {
		return sdk.FetchResult{}, err
	}
	if progress == nil {
		progress = func(sdk.Progress) {}
	}
	res, err := f.write(ctx, req, data, progress)
	if err != nil {
		if !req.KeepPartial {
			os.Remove(req.Dest)
		}
		return sdk.FetchResult{}, fmt.Errorf("fetching %s to %s: %w", sdk.RedactURI(shorten(req.URI)), req.Dest, err)
	}
	return res, nil
}

// write puts data into req.Dest, resuming after req.Offset bytes when it
// can, hashing the whole file.
func (f *Fetcher) write(ctx context.Context, req sdk.FetchRequest, data []byte, progress func(sdk.Progress)) (sdk.FetchResult, error) {
	h := sha256.New()
	offset := req.Offset
	if offset < 0 || offset > int64(len(data)) {
		offset = 0 // a prefix longer than the object is never trusted
	}
	flags := os.O_RDWR | os.O_CREATE
	if offset == 0 {
		flags |= os.O_TRUNC
	}
	out, err := os.OpenFile(req.Dest, flags, 0o644)
	if err != nil {
		return sdk.FetchResult{}, err
	}
	defer out.Close()
	if offset > 0 {
		// Hash the prefix already there; whether it is the right one is
		// for batchd to check against the digest.
		n, err := io.CopyN(h, out, offset)
		if err != nil {
			return sdk.FetchResult{}, fmt.Errorf("reading the %d bytes to resume from (got %d): %w", offset, n, err)
		}
		if err := out.Truncate(offset); err != nil {
			return sdk.FetchResult{}, err
		}
	}
	total := int64(len(data))
	w := io.MultiWriter(out, h)
	src := bytes.NewReader(data[offset:])
	done := offset
	progress(sdk.Progress{Bytes: done, Total: total})
	for src.Len() > 0 {
		if err := ctx.Err(); err != nil {
			return sdk.FetchResult{}, err
		}
		n, err := io.CopyN(w, src, int64(f.chunk))
		done += n
		if err != nil && !errors.Is(err, io.EOF) {
			return sdk.FetchResult{}, err
		}
		progress(sdk.Progress{Bytes: done, Total: total})
	}
	if err := out.Close(); err != nil {
		return sdk.FetchResult{}, err
	}
	return sdk.FetchResult{Size: done, SHA256: hex.EncodeToString(h.Sum(nil))}, nil
}

// shorten cuts a long URI for an error message: a data: URI may be
// megabytes long.
func shorten(uri string) string {
	if len(uri) <= 60 {
		return uri
	}
	return uri[:60] + "..."
}
