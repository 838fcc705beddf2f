package host

import (
	"context"
	"errors"
	"strings"
	"testing"
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
	if _, err := h.FetcherFor(context.Background(), "file"); err != nil {
		t.Errorf("FetcherFor(file): %v", err)
	}
}
