package archivefetch_test

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	archivefetch "github.com/batchd/batchd/fetchers/archive"
	"github.com/batchd/batchd/internal/archive"
	"github.com/batchd/batchd/plugins/fetcher"
	"github.com/batchd/batchd/plugins/fetcher/fetchertest"
)

func TestDescribeAndFetch(t *testing.T) {
	f := fetchertest.Conn(t, archivefetch.New(archivefetch.DefaultConfig()))
	info, err := f.Describe(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if info.Name != "archive" || len(info.Schemes) != 0 || !slices.Equal(info.Formats, archivefetch.Formats) {
		t.Errorf("Describe = %+v", info)
	}
	for _, fm := range info.Formats {
		if _, ok := archive.ParseFormat(fm); !ok {
			t.Errorf("declared format %q is not one internal/archive extracts", fm)
		}
	}
	_, err = f.Fetch(context.Background(), fetcher.Request{URI: "http://example.com/a.tgz", Dest: filepath.Join(t.TempDir(), "x")}, nil)
	if !errors.Is(err, fetcher.ErrUnsupported) {
		t.Errorf("Fetch: %v, want ErrUnsupported", err)
	}
}

// Extract through the real gRPC shims, as batchd calls it.
func TestExtract(t *testing.T) {
	good := tgz(t, "tools.tar.gz", file{name: "bin/run", body: "#!/bin/sh\n", mode: 0o4755}, file{name: "README", body: "hello"})
	evil := tgz(t, "evil.tgz", file{name: "ok", body: "x"}, file{name: "../../escaped", body: "pwned"})
	through := tgz(t, "through.tgz", file{name: "l", link: "/etc"}, file{name: "l/passwd", body: "pwned"})
	blob := tgz(t, "3fa9c1", file{name: "a", body: "aaa"})
	tests := []struct {
		name      string
		settings  string
		req       fetcher.ExtractRequest
		check     bool // no Dest
		want      fetcher.ExtractResult
		files     []string
		wantErr   error
		errDetail []string
	}{
		{name: "extract", req: fetcher.ExtractRequest{Archive: good}, want: fetcher.ExtractResult{Files: 2, Bytes: 15},
			files: []string{"README", "bin", "bin/run"}},
		{name: "check writes nothing", check: true, req: fetcher.ExtractRequest{Archive: good}, want: fetcher.ExtractResult{Files: 2, Bytes: 15}},
		{name: "blob named by its URI", req: fetcher.ExtractRequest{Archive: blob, Name: "a.tgz"}, want: fetcher.ExtractResult{Files: 1, Bytes: 3}, files: []string{"a"}},
		{name: "blob with a format", req: fetcher.ExtractRequest{Archive: blob, Format: "TAR.GZ"}, want: fetcher.ExtractResult{Files: 1, Bytes: 3}, files: []string{"a"}},
		{name: "dotdot", req: fetcher.ExtractRequest{Archive: evil}, wantErr: fetcher.ErrUnsafeArchive,
			errDetail: []string{"evil.tgz", `entry "../../escaped"`, string(archive.RuleEscape)}},
		{name: "dotdot found by a check", check: true, req: fetcher.ExtractRequest{Archive: evil}, wantErr: fetcher.ErrUnsafeArchive,
			errDetail: []string{`entry "../../escaped"`, string(archive.RuleEscape)}},
		{name: "symlink then file through it", req: fetcher.ExtractRequest{Archive: through}, wantErr: fetcher.ErrUnsafeArchive,
			errDetail: []string{`entry "l"`, string(archive.RuleSymlinkEscape)}},
		{name: "configured file limit", settings: `{"max_files": 1}`, check: true, req: fetcher.ExtractRequest{Archive: good},
			wantErr: fetcher.ErrUnsafeArchive, errDetail: []string{`entry "README"`, string(archive.RuleTooManyEntries)}},
		{name: "configured size limit", settings: `{"max_bytes": "12B"}`, check: true, req: fetcher.ExtractRequest{Archive: good},
			wantErr: fetcher.ErrUnsafeArchive, errDetail: []string{`entry "README"`, string(archive.RuleTooBig)}},
		{name: "request tightens the limit", check: true, req: fetcher.ExtractRequest{Archive: good, MaxBytes: 5},
			wantErr: fetcher.ErrUnsafeArchive, errDetail: []string{`entry "bin/run"`}},
		{name: "request cannot loosen it", settings: `{"max_files": 1}`, check: true, req: fetcher.ExtractRequest{Archive: good, MaxFiles: 100},
			wantErr: fetcher.ErrUnsafeArchive},
		{name: "unknown format", check: true, req: fetcher.ExtractRequest{Archive: good, Format: "rar"}, wantErr: fetcher.ErrUnsupported},
		{name: "name without a format: sniffed", check: true, req: fetcher.ExtractRequest{Archive: good, Name: "x.txt"}, want: fetcher.ExtractResult{Files: 2, Bytes: 15}},
		{name: "missing archive", check: true, req: fetcher.ExtractRequest{Archive: filepath.Join(t.TempDir(), "none.tgz")}, wantErr: fetcher.ErrNotFound},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			impl := archivefetch.New(archivefetch.DefaultConfig())
			if err := impl.Configure(context.Background(), json.RawMessage(tc.settings)); err != nil {
				t.Fatal(err)
			}
			x := fetchertest.Extractor(t, impl)
			parent := t.TempDir()
			dest := filepath.Join(parent, "dest")
			if err := os.Mkdir(dest, 0o755); err != nil {
				t.Fatal(err)
			}
			req := tc.req
			if !tc.check {
				req.Dest = dest
			}
			res, err := x.Extract(context.Background(), req)
			if tc.wantErr != nil {
				if !errors.Is(err, tc.wantErr) {
					t.Fatalf("Extract: %v, want %v", err, tc.wantErr)
				}
				for _, d := range tc.errDetail {
					if !strings.Contains(err.Error(), d) {
						t.Errorf("error %q does not name %q", err, d)
					}
				}
			} else if err != nil || res != tc.want {
				t.Fatalf("Extract = %+v, %v; want %+v", res, err, tc.want)
			}
			if got := entries(t, parent); len(got) == 0 || got[0] != "dest" || !allUnder(got, "dest") {
				t.Errorf("written outside dest: %v", got)
			}
			got := entries(t, dest)
			if tc.check || tc.wantErr != nil {
				if tc.check && len(got) > 0 {
					t.Errorf("a check wrote %v", got)
				}
				return
			}
			if !slices.Equal(got, tc.files) {
				t.Errorf("extracted %v, want %v", got, tc.files)
			}
		})
	}
}

func allUnder(paths []string, dir string) bool {
	for _, p := range paths {
		if p != dir && !strings.HasPrefix(p, dir+"/") {
			return false
		}
	}
	return true
}

func TestExtractCancelled(t *testing.T) {
	x := fetchertest.Extractor(t, archivefetch.New(archivefetch.DefaultConfig()))
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := x.Extract(ctx, fetcher.ExtractRequest{Archive: tgz(t, "a.tgz", file{name: "a", body: "x"})})
	if !errors.Is(err, context.Canceled) {
		t.Errorf("Extract with a cancelled context: %v", err)
	}
}
