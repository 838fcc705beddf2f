package pluginhost

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/batchd/batchd/plugins/fetcher"
)

// The archive formats are the fetcher plugins' own: a third-party
// extractor's format is found by the longest suffix, and its plugin checks
// and unpacks the archive.
func TestArchiveFormatFromPlugins(t *testing.T) {
	dir := pluginDir(t, map[string]string{"batchd-fetcher-copy": "batchd-fetcher-copy", "batchd-fetcher-xyz": "batchd-fetcher-xyz"})
	h := newHost(t, Config{Dirs: []string{dir}})
	ctx := context.Background()
	for _, tc := range []struct {
		name, want string
	}{
		{"data.xyz", "xyz"},
		{"DATA.XYZ", "xyz"},
		{"/srv/in/data.tar.xyz", "tar.xyz"},
		{"data.xyz.txt", ""},
		{"xyz", ""},
		{"data.tar.gz", ""}, // no plugin here extracts tar.gz
		{"dataxyz", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, ok, err := h.ArchiveFormat(ctx, tc.name)
			if err != nil || got != tc.want || ok != (tc.want != "") {
				t.Errorf("ArchiveFormat(%q) = %q, %v, %v; want %q", tc.name, got, ok, err, tc.want)
			}
		})
	}

	arc := filepath.Join(t.TempDir(), "data.xyz")
	if err := os.WriteFile(arc, []byte("a.txt=1 2\nsub/b.txt=3 4\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	x, err := h.ExtractorFor(ctx, "xyz")
	if err != nil {
		t.Fatalf("ExtractorFor(xyz): %v", err)
	}
	dest := t.TempDir()
	res, err := x.Extract(ctx, fetcher.ExtractRequest{Archive: arc, Name: "data.xyz", Format: "xyz", Dest: dest})
	if err != nil || res.Files != 2 {
		t.Fatalf("Extract(data.xyz) = %+v, %v", res, err)
	}
	if b, err := os.ReadFile(filepath.Join(dest, "sub", "b.txt")); err != nil || string(b) != "3 4\n" {
		t.Errorf("sub/b.txt = %q, %v", b, err)
	}

	evil := filepath.Join(t.TempDir(), "evil.xyz")
	if err := os.WriteFile(evil, []byte("ok=1\n../out=2\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	_, err = x.Extract(ctx, fetcher.ExtractRequest{Archive: evil, Name: "evil.xyz"})
	if !errors.Is(err, fetcher.ErrUnsafeArchive) || !strings.Contains(err.Error(), `fetcher plugin "xyz": check evil.xyz`) ||
		!strings.Contains(err.Error(), `"../out"`) {
		t.Errorf("checking evil.xyz: %v", err)
	}
}

// A fetcher plugin that cannot be launched claims no format: ArchiveFormat
// answers for names a working plugin claims, and takes the rest for no
// archive (with a warning), rather than failing every job with an input.
func TestArchiveFormatWithBrokenPlugin(t *testing.T) {
	dir := pluginDir(t, map[string]string{"batchd-fetcher-xyz": "batchd-fetcher-xyz", "batchd-fetcher-broken": "notplugin"})
	h := newHost(t, Config{Dirs: []string{dir}, StartTimeout: 5 * time.Second})
	ctx := context.Background()
	if got, ok, err := h.ArchiveFormat(ctx, "data.xyz"); err != nil || !ok || got != "xyz" {
		t.Errorf("ArchiveFormat(data.xyz) = %q, %v, %v", got, ok, err)
	}
	// A plugin that cannot start claims nothing: data.bin is no archive,
	// and the job that stages it is not failed for a plugin it does not use.
	if _, ok, err := h.ArchiveFormat(ctx, "data.bin"); ok || err != nil {
		t.Errorf("ArchiveFormat(data.bin) = %v, %v; want no archive and no error", ok, err)
	}
}
