package archivefetch_test

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/batchd/batchd/internal/archive"
	"github.com/batchd/batchd/internal/pluginhost"
	"github.com/batchd/batchd/plugins/fetcher"
)

// buildPlugin builds cmd/batchd-fetcher-archive into a new plugin folder.
func buildPlugin(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	cmd := exec.Command("go", "build", "-o", filepath.Join(dir, "batchd-fetcher-archive"), "../../cmd/batchd-fetcher-archive")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("building the plugin: %v\n%s", err, out)
	}
	return dir
}

// The real plugin process, found and launched by internal/pluginhost, validates
// and extracts archives as batchd will before launching tasks.
func TestPluginThroughHost(t *testing.T) {
	dir := buildPlugin(t)
	h := pluginhost.New(pluginhost.Config{Dirs: []string{dir}, FetcherSettings: map[string]json.RawMessage{"archive": json.RawMessage(`{"max_files": 3}`)}})
	t.Cleanup(func() { h.Close() })
	ctx := context.Background()

	x, err := h.ExtractorFor(ctx, ".TGZ")
	if err != nil {
		t.Fatalf("ExtractorFor(tgz): %v", err)
	}
	good := tgz(t, "tools.tgz", file{name: "bin/run", body: "#!/bin/sh\n", mode: 0o755})
	res, err := x.Extract(ctx, fetcher.ExtractRequest{Archive: good})
	if err != nil || res != (fetcher.ExtractResult{Files: 1, Bytes: 10}) {
		t.Fatalf("check = %+v, %v", res, err)
	}
	dest := t.TempDir()
	if _, err := x.Extract(ctx, fetcher.ExtractRequest{Archive: good, Dest: dest}); err != nil {
		t.Fatalf("extract: %v", err)
	}
	if fi, err := os.Stat(filepath.Join(dest, "bin", "run")); err != nil || fi.Mode() != 0o755 {
		t.Errorf("bin/run: %v %v", fi, err)
	}

	evil := tgz(t, "evil.tgz", file{name: "../x", body: "pwned"})
	_, err = x.Extract(ctx, fetcher.ExtractRequest{Archive: evil})
	if !errors.Is(err, fetcher.ErrUnsafeArchive) || !strings.Contains(err.Error(), `fetcher plugin "archive"`) ||
		!strings.Contains(err.Error(), `entry "../x"`) || !strings.Contains(err.Error(), string(archive.RuleEscape)) {
		t.Errorf("check of a hostile archive: %v", err)
	}
	many := tgz(t, "many.tgz", file{name: "a"}, file{name: "b"}, file{name: "c"}, file{name: "d"})
	if _, err := x.Extract(ctx, fetcher.ExtractRequest{Archive: many}); !errors.Is(err, fetcher.ErrUnsafeArchive) ||
		!strings.Contains(err.Error(), string(archive.RuleTooManyEntries)) {
		t.Errorf("the configured max_files did not apply: %v", err)
	}

	_, err = h.ExtractorFor(ctx, "rar")
	if !errors.Is(err, pluginhost.ErrNotFound) || !strings.Contains(err.Error(), `"rar"`) || !strings.Contains(err.Error(), "tar.zst by archive") {
		t.Errorf("ExtractorFor(rar): %v", err)
	}
	if _, err := h.FetcherFor(ctx, "http"); !errors.Is(err, pluginhost.ErrNotFound) {
		t.Errorf("the archive plugin claims a URI scheme: %v", err)
	}
}
