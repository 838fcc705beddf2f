package pluginhost

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/batchd/batchd/plugins/fetcher"
)

func TestFetcherForScheme(t *testing.T) {
	dir := pluginDir(t, map[string]string{"batchd-fetcher-copy": "batchd-fetcher-copy"})
	h := newHost(t, Config{Dirs: []string{dir}})
	ctx := context.Background()

	src := filepath.Join(t.TempDir(), "src")
	content := []byte(strings.Repeat("batchd ", 1000))
	if err := os.WriteFile(src, content, 0o644); err != nil {
		t.Fatal(err)
	}
	f, err := h.FetcherFor(ctx, "FILE")
	if err != nil {
		t.Fatalf("FetcherFor: %v", err)
	}
	dest := filepath.Join(t.TempDir(), "dest")
	var events []fetcher.Progress
	res, err := f.Fetch(ctx, fetcher.Request{URI: "file://" + src, Dest: dest}, func(p fetcher.Progress) { events = append(events, p) })
	if err != nil {
		t.Fatalf("Fetch: %v", err)
	}
	sum := sha256.Sum256(content)
	if res.Size != int64(len(content)) || res.SHA256 != hex.EncodeToString(sum[:]) {
		t.Errorf("Fetch result %+v", res)
	}
	if got, _ := os.ReadFile(dest); string(got) != string(content) {
		t.Errorf("dest holds %d bytes, want %d", len(got), len(content))
	}
	if len(events) < 2 || events[len(events)-1].Bytes != int64(len(content)) {
		t.Errorf("progress events: %d, last %+v", len(events), events[len(events)-1:])
	}

	_, err = f.Fetch(ctx, fetcher.Request{URI: "file:///no/such/file", Dest: dest}, nil)
	if !errors.Is(err, fetcher.ErrNotFound) || !strings.Contains(err.Error(), `fetcher plugin "copy"`) || !strings.Contains(err.Error(), "/no/such/file") {
		t.Errorf("Fetch of a missing file: %v", err)
	}
	_, err = f.Fetch(ctx, fetcher.Request{URI: "copy://user:s3cret@/no/such/file", Dest: dest}, nil)
	// The host does not repeat the URI (the fetcher's own message names
	// what it could not open; staging adds the URI when it does not).
	if !errors.Is(err, fetcher.ErrNotFound) || strings.Contains(err.Error(), "s3cret") || strings.Count(err.Error(), "/no/such/file") != 1 {
		t.Errorf("Fetch error shows the password or repeats the path: %v", err)
	}
	if f2, err := h.FetcherFor(ctx, "copy"); err != nil || f2 == nil {
		t.Errorf("FetcherFor(copy): %v", err)
	}
	_, err = h.FetcherFor(ctx, "gopher")
	if !errors.Is(err, ErrNotFound) || !strings.Contains(err.Error(), `"gopher"`) || !strings.Contains(err.Error(), dir) {
		t.Errorf("FetcherFor(gopher): %v", err)
	}
}

func TestFetcherSettingsReachConfigure(t *testing.T) {
	dir := pluginDir(t, map[string]string{"batchd-fetcher-copy": "batchd-fetcher-copy"})
	h := newHost(t, Config{Dirs: []string{dir}, FetcherSettings: map[string]json.RawMessage{"copy": json.RawMessage(`{"fail":true}`)}})
	_, err := h.Fetcher(context.Background(), "copy")
	if !errors.Is(err, fetcher.ErrInvalidConfig) || !strings.Contains(err.Error(), "settings ask to fail") {
		t.Fatalf("Fetcher: %v, want ErrInvalidConfig with the plugin's message", err)
	}
	// A fetcher that cannot start leaves its schemes unclaimed.
	_, err = h.FetcherFor(context.Background(), "file")
	if !errors.Is(err, ErrNotFound) || !errors.Is(err, fetcher.ErrInvalidConfig) {
		t.Errorf("FetcherFor(file): %v, want ErrNotFound and the broken fetcher's error", err)
	}
}
