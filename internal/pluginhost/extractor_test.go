package pluginhost

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/batchd/batchd/plugins/fetcher"
)

// A fetcher that declares no formats extracts nothing; the error lists what
// is handled and where plugins were searched, like FetcherFor's.
func TestExtractorForUnclaimedFormat(t *testing.T) {
	dir := pluginDir(t, map[string]string{"batchd-fetcher-copy": "batchd-fetcher-copy"})
	h := newHost(t, Config{Dirs: []string{dir}})
	_, err := h.ExtractorFor(context.Background(), ".tgz")
	if !errors.Is(err, ErrNotFound) || !strings.Contains(err.Error(), `archive format "tgz"`) ||
		!strings.Contains(err.Error(), "handled: none") || !strings.Contains(err.Error(), dir) {
		t.Errorf("ExtractorFor(tgz): %v", err)
	}
	// The copy fetcher was launched to learn its formats and still fetches.
	f, err := h.FetcherFor(context.Background(), "file")
	if err != nil {
		t.Fatalf("FetcherFor(file): %v", err)
	}
	// Asked to extract anyway, it answers that it cannot, naming itself.
	_, err = f.(fetcher.Extractor).Extract(context.Background(), fetcher.ExtractRequest{Archive: "/x.tgz"})
	if !errors.Is(err, fetcher.ErrNotExtractor) || !strings.Contains(err.Error(), `fetcher plugin "copy"`) {
		t.Errorf("Extract on the copy fetcher: %v", err)
	}
}
