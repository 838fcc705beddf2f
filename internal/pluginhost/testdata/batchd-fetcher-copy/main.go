// Command batchd-fetcher-copy is a test fetcher for file:// and copy://
// URIs. Settings {"fail": true} make Configure fail.
package main

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/url"
	"os"

	"github.com/batchd/batchd/plugins/sdk"
)

type copyFetcher struct{}

func (copyFetcher) Describe(context.Context) (sdk.FetcherInfo, error) {
	return sdk.FetcherInfo{Name: "copy", Version: "0.1.0", Schemes: []string{"file", "copy"}}, nil
}

func (copyFetcher) Configure(_ context.Context, settings json.RawMessage) error {
	var s struct{ Fail bool }
	if len(settings) > 0 {
		if err := json.Unmarshal(settings, &s); err != nil {
			return fmt.Errorf("settings: %v: %w", err, sdk.ErrInvalidConfig)
		}
	}
	if s.Fail {
		return fmt.Errorf("settings ask to fail: %w", sdk.ErrInvalidConfig)
	}
	return nil
}

func (copyFetcher) Fetch(ctx context.Context, req sdk.FetchRequest, progress func(sdk.Progress)) (sdk.FetchResult, error) {
	u, err := url.Parse(req.URI)
	if err != nil || (u.Scheme != "file" && u.Scheme != "copy") {
		return sdk.FetchResult{}, fmt.Errorf("uri %q: %w", req.URI, sdk.ErrUnsupported)
	}
	path := u.Path
	in, err := os.Open(path)
	if errors.Is(err, fs.ErrNotExist) {
		return sdk.FetchResult{}, fmt.Errorf("opening %s: %w", path, sdk.ErrNotFound)
	}
	if err != nil {
		return sdk.FetchResult{}, err
	}
	defer in.Close()
	st, err := in.Stat()
	if err != nil {
		return sdk.FetchResult{}, err
	}
	out, err := os.Create(req.Dest)
	if err != nil {
		return sdk.FetchResult{}, err
	}
	defer out.Close()
	h := sha256.New()
	buf := make([]byte, 1024)
	var n int64
	for {
		if err := ctx.Err(); err != nil {
			os.Remove(req.Dest)
			return sdk.FetchResult{}, err
		}
		k, rerr := in.Read(buf)
		out.Write(buf[:k])
		h.Write(buf[:k])
		n += int64(k)
		progress(sdk.Progress{Bytes: n, Total: st.Size()})
		if rerr == io.EOF {
			break
		}
		if rerr != nil {
			return sdk.FetchResult{}, rerr
		}
	}
	return sdk.FetchResult{Size: n, SHA256: hex.EncodeToString(h.Sum(nil))}, out.Close()
}

func main() { sdk.ServeFetcher(copyFetcher{}) }
