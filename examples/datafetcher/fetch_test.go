package datafetch_test

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"net/url"
	"os"
	"testing"

	"github.com/batchd/batchd/plugins/fetcher/fetchertest"
	"github.com/batchd/batchd/plugins/sdk"

	datafetch "example.com/batchd-datafetcher"
)

func digest(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

func TestFetch(t *testing.T) {
	content, _ := fetchertest.Content(200 << 10)
	text := "hello, world\n100% sure"
	tests := []struct {
		name string
		uri  string
		want []byte
	}{
		{"base64", "data:application/octet-stream;base64," + base64.StdEncoding.EncodeToString(content), content},
		{"base64 unpadded", "data:;base64," + base64.RawStdEncoding.EncodeToString([]byte("ab")), []byte("ab")},
		{"percent-encoded", "data:text/plain," + url.PathEscape(text), []byte(text)},
		{"empty", "data:,", []byte{}},
		{"with slashes", "data://text/plain," + url.PathEscape(text), []byte(text)},
	}
	f := fetchertest.Conn(t, datafetch.New())
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var last sdk.Progress
			res, dest, err := fetchertest.Fetch(t, context.Background(), f, tt.uri, func(p sdk.Progress) { last = p })
			if err != nil {
				t.Fatal(err)
			}
			fetchertest.CheckResult(t, res, int64(len(tt.want)), digest(tt.want))
			fetchertest.CheckFile(t, dest, digest(tt.want))
			if last.Bytes != int64(len(tt.want)) || last.Total != int64(len(tt.want)) {
				t.Errorf("last progress %+v, want %d of %d", last, len(tt.want), len(tt.want))
			}
		})
	}
}

func TestResume(t *testing.T) {
	content, sum := fetchertest.Content(100 << 10)
	uri := "data:;base64," + base64.StdEncoding.EncodeToString(content)
	f := fetchertest.Conn(t, datafetch.New())
	tests := []struct {
		name   string
		prefix []byte
	}{
		{"half", content[:50<<10]},
		{"all", content},
		{"longer than the object", append(append([]byte{}, content...), 'x')},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, dest, err := fetchertest.Resume(t, context.Background(), f, uri, tt.prefix)
			if err != nil {
				t.Fatal(err)
			}
			fetchertest.CheckResult(t, res, int64(len(content)), sum)
			fetchertest.CheckFile(t, dest, sum)
		})
	}
}

func TestErrors(t *testing.T) {
	f := fetchertest.Conn(t, datafetch.New())
	for _, uri := range []string{"http://example.com/", "data:no-comma", "data:;base64,!!!", "data:,%zz"} {
		_, dest, err := fetchertest.Fetch(t, context.Background(), f, uri, nil)
		if !errors.Is(err, sdk.ErrUnsupported) {
			t.Errorf("Fetch(%q) = %v, want ErrUnsupported", uri, err)
		}
		fetchertest.CheckGone(t, dest)
	}
}

func TestCancelKeepsPartialOnlyWhenAsked(t *testing.T) {
	content, _ := fetchertest.Content(64 << 10)
	uri := "data:;base64," + base64.StdEncoding.EncodeToString(content)
	for _, keep := range []bool{false, true} {
		f := datafetch.New()
		if err := f.Configure(context.Background(), json.RawMessage(`{"chunk_size": 1024}`)); err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithCancel(context.Background())
		dest := t.TempDir() + "/out"
		_, err := f.Fetch(ctx, sdk.FetchRequest{URI: uri, Dest: dest, KeepPartial: keep}, func(p sdk.Progress) {
			if p.Bytes >= 4096 {
				cancel()
			}
		})
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("keep=%v: Fetch = %v, want context.Canceled", keep, err)
		}
		fi, statErr := os.Stat(dest)
		switch {
		case keep && (statErr != nil || fi.Size() != 4096):
			t.Errorf("keep=true: partial file %v %v, want 4096 bytes", fi, statErr)
		case !keep && statErr == nil:
			t.Errorf("keep=false: partial file left behind")
		}
	}
}

func TestConfigure(t *testing.T) {
	f := fetchertest.Conn(t, datafetch.New())
	for _, s := range []string{`{"chunk_size": 0}`, `{"colour": "red"}`} {
		if err := f.Configure(context.Background(), json.RawMessage(s)); !errors.Is(err, sdk.ErrInvalidConfig) {
			t.Errorf("Configure(%s) = %v, want ErrInvalidConfig", s, err)
		}
	}
}
