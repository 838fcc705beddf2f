package fetch

import (
	"archive/tar"
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/batchd/batchd/internal/archive"
	"github.com/klauspost/compress/zstd"
	"github.com/ulikunitz/xz"
)

// plainTar is a tar of one executable file, run.sh.
func plainTar(t *testing.T, name string) []byte {
	t.Helper()
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	body := "#!/bin/sh\n"
	if err := tw.WriteHeader(&tar.Header{Name: name, Mode: 0o4755, Size: int64(len(body)), Typeflag: tar.TypeReg}); err != nil {
		t.Fatal(err)
	}
	tw.Write([]byte(body))
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func xzOf(t *testing.T, data []byte) []byte {
	var buf bytes.Buffer
	w, err := xz.NewWriter(&buf)
	if err != nil {
		t.Fatal(err)
	}
	w.Write(data)
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func zstOf(t *testing.T, data []byte) []byte {
	var buf bytes.Buffer
	w, err := zstd.NewWriter(&buf)
	if err != nil {
		t.Fatal(err)
	}
	w.Write(data)
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// The embedded agents extract every format internal/archive knows, under
// its rules, and a broken rule names the URI, the entry and the rule.
func TestFetchExtractsEveryFormat(t *testing.T) {
	srv := newServer(t, map[string][]byte{
		"/tools.tar":     plainTar(t, "run.sh"),
		"/tools.tar.xz":  xzOf(t, plainTar(t, "run.sh")),
		"/tools.txz":     xzOf(t, plainTar(t, "run.sh")),
		"/tools.tar.zst": zstOf(t, plainTar(t, "run.sh")),
		"/evil.tar.xz":   xzOf(t, plainTar(t, "../run.sh")),
		"/big.tar":       plainTar(t, "run.sh"),
	})
	tests := []struct {
		name    string
		uri     string
		limits  archive.Limits
		wantErr []string
	}{
		{name: "tar", uri: "/tools.tar"},
		{name: "tar.xz", uri: "/tools.tar.xz"},
		{name: "txz", uri: "/tools.txz"},
		{name: "tar.zst", uri: "/tools.tar.zst"},
		{name: "escape names URI, entry and rule", uri: "/evil.tar.xz",
			wantErr: []string{"fetching " + srv.URL + "/evil.tar.xz", `entry "../run.sh"`, string(archive.RuleEscape)}},
		{name: "size limit from the config", uri: "/big.tar", limits: archive.Limits{MaxBytes: 5},
			wantErr: []string{"fetching " + srv.URL + "/big.tar", `entry "run.sh"`, string(archive.RuleTooBig)}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			parent := t.TempDir()
			sandbox := filepath.Join(parent, "sandbox")
			os.Mkdir(sandbox, 0o755)
			err := New(Config{ExtractLimits: tc.limits}).Fetch(context.Background(), URI{Value: srv.URL + tc.uri, Extract: true}, sandbox)
			if tc.wantErr != nil {
				if !errors.Is(err, ErrUnsafePath) {
					t.Fatalf("Fetch: %v, want ErrUnsafePath", err)
				}
				for _, w := range tc.wantErr {
					if !strings.Contains(err.Error(), w) {
						t.Errorf("error %q does not contain %q", err, w)
					}
				}
				if _, err := os.Stat(filepath.Join(parent, "run.sh")); err == nil {
					t.Error("written outside the sandbox")
				}
				return
			}
			if err != nil {
				t.Fatalf("Fetch: %v", err)
			}
			fi, err := os.Stat(filepath.Join(sandbox, "run.sh"))
			if err != nil {
				t.Fatal(err)
			}
			if fi.Mode() != 0o755 {
				t.Errorf("run.sh has mode %v, want -rwxr-xr-x without setuid", fi.Mode())
			}
		})
	}
}
