package filefetch

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/batchd/batchd/plugins/fetcher"
	"github.com/batchd/batchd/plugins/fetcher/fetchertest"
	"github.com/batchd/batchd/plugins/sdk"
)

func writeFile(t *testing.T, dir, name string, data []byte) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, data, 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestFetch(t *testing.T) {
	dir := t.TempDir()
	data := bytes.Repeat([]byte("batchd "), 500_000) // 3.5 MB: several progress reports
	src := writeFile(t, dir, "in put.bin", data)
	empty := writeFile(t, dir, "empty", nil)
	sum := sha256.Sum256(data)
	want := hex.EncodeToString(sum[:])
	emptySum := sha256.Sum256(nil)

	tests := []struct {
		name     string
		uri      string
		wantSize int64
		wantSum  string
	}{
		{"plain path", src, int64(len(data)), want},
		{"file URI", (&url.URL{Scheme: "file", Path: src}).String(), int64(len(data)), want},
		{"file URI localhost", (&url.URL{Scheme: "file", Host: "localhost", Path: src}).String(), int64(len(data)), want},
		{"unclean path", filepath.Join(dir, ".", "x", "..", "in put.bin"), int64(len(data)), want},
		{"empty file", empty, 0, hex.EncodeToString(emptySum[:])},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dest := filepath.Join(t.TempDir(), "out")
			var last fetcher.Progress
			calls := 0
			res, err := New().Fetch(context.Background(), fetcher.Request{URI: tt.uri, Dest: dest}, func(p fetcher.Progress) {
				if p.Bytes < last.Bytes {
					t.Errorf("progress went backwards: %d after %d", p.Bytes, last.Bytes)
				}
				last = p
				calls++
			})
			if err != nil {
				t.Fatalf("Fetch: %v", err)
			}
			if res.Size != tt.wantSize || res.SHA256 != tt.wantSum {
				t.Errorf("result = %+v, want size %d sha %s", res, tt.wantSize, tt.wantSum)
			}
			if last.Bytes != tt.wantSize || last.Total != tt.wantSize {
				t.Errorf("last progress = %+v, want %d of %d", last, tt.wantSize, tt.wantSize)
			}
			got, err := os.ReadFile(dest)
			if err != nil {
				t.Fatal(err)
			}
			h := sha256.Sum256(got)
			if hex.EncodeToString(h[:]) != tt.wantSum {
				t.Errorf("dest content digest differs from source")
			}
		})
	}
}

func TestFetchErrors(t *testing.T) {
	dir := t.TempDir()
	missing := filepath.Join(dir, "missing.txt")
	tests := []struct {
		name    string
		uri     string
		want    error
		mention string
	}{
		{"missing path", missing, fetcher.ErrNotFound, missing},
		{"missing file URI", "file://" + missing, fetcher.ErrNotFound, missing},
		{"directory", dir, fetcher.ErrUnsupported, "is a directory"},
		{"relative path", "rel/path.txt", fetcher.ErrUnsupported, "rel/path.txt"},
		{"remote host", "file://example.com/etc/passwd", fetcher.ErrUnsupported, "example.com"},
		{"other scheme", "http://example.com/x", fetcher.ErrUnsupported, "http"},
		{"file URI without path", "file://", fetcher.ErrUnsupported, "absolute path"},
		{"unparsable with password", "file://u:sekrit@localhost:port/x", fetcher.ErrUnsupported, "file://xxxxx@localhost:port/x"},
		{"no path, with password", "file://u:sekrit@localhost", fetcher.ErrUnsupported, "absolute path"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dest := filepath.Join(t.TempDir(), "out")
			_, err := New().Fetch(context.Background(), fetcher.Request{URI: tt.uri, Dest: dest}, nil)
			if !errors.Is(err, tt.want) {
				t.Fatalf("Fetch error = %v, want %v", err, tt.want)
			}
			if !strings.Contains(err.Error(), tt.mention) {
				t.Errorf("error %q does not mention %q", err, tt.mention)
			}
			if strings.Contains(err.Error(), "sekrit") {
				t.Errorf("error %q shows the password", err)
			}
			fetchertest.CheckGone(t, dest)
		})
	}
}

func TestFetchOntoItself(t *testing.T) {
	src := writeFile(t, t.TempDir(), "keep", []byte("precious"))
	_, err := New().Fetch(context.Background(), fetcher.Request{URI: src, Dest: src}, nil)
	if err == nil || !strings.Contains(err.Error(), "is the source file") {
		t.Fatalf("Fetch error = %v, want a refusal", err)
	}
	if got, _ := os.ReadFile(src); string(got) != "precious" {
		t.Errorf("source now holds %q", got)
	}
}

func TestFetchPermission(t *testing.T) {
	t.Run("real EACCES", func(t *testing.T) {
		if os.Geteuid() == 0 {
			t.Skip("root reads any file")
		}
		src := writeFile(t, t.TempDir(), "secret", []byte("x"))
		if err := os.Chmod(src, 0); err != nil {
			t.Fatal(err)
		}
		_, err := New().Fetch(context.Background(), fetcher.Request{URI: src, Dest: filepath.Join(t.TempDir(), "out")}, nil)
		if !errors.Is(err, fetcher.ErrPermission) || !strings.Contains(err.Error(), src) {
			t.Fatalf("Fetch error = %v, want ErrPermission naming %s", err, src)
		}
	})
	t.Run("classify EACCES", func(t *testing.T) {
		err := classify(&fs.PathError{Op: "open", Path: "/x", Err: syscall.EACCES})
		if !errors.Is(err, fetcher.ErrPermission) || !errors.Is(err, syscall.EACCES) {
			t.Fatalf("classify = %v, want ErrPermission wrapping EACCES", err)
		}
	})
}

func TestFetchCancelled(t *testing.T) {
	// Longer than sdk.ProgressBytes, so a report comes before the end.
	src := writeFile(t, t.TempDir(), "big", bytes.Repeat([]byte{7}, sdk.ProgressBytes+4<<20))
	dest := filepath.Join(t.TempDir(), "out")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	_, err := New().Fetch(ctx, fetcher.Request{URI: src, Dest: dest}, func(p fetcher.Progress) {
		if p.Bytes > 0 {
			cancel()
		}
	})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("Fetch error = %v, want context.Canceled", err)
	}
	fetchertest.CheckGone(t, dest)
}

func TestConfigure(t *testing.T) {
	tests := []struct {
		name     string
		settings string
		wantErr  string
	}{
		{"nil", "", ""},
		{"empty object", "{}", ""},
		{"null", "null", ""},
		{"unknown key", `{"root":"/srv"}`, `root: unknown key`},
		{"not an object", `[1]`, "invalid config"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := New().Configure(context.Background(), json.RawMessage(tt.settings))
			if tt.wantErr == "" {
				if err != nil {
					t.Fatalf("Configure: %v", err)
				}
				return
			}
			if !errors.Is(err, fetcher.ErrInvalidConfig) || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("Configure error = %v, want ErrInvalidConfig mentioning %s", err, tt.wantErr)
			}
		})
	}
}

func TestDescribe(t *testing.T) {
	info, err := New().Describe(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if info.Name != "file" || len(info.Schemes) != 1 || info.Schemes[0] != "file" || info.Version == "" {
		t.Errorf("Describe = %+v", info)
	}
}
