package validator

import (
	"net/http"
	"os"
	"path/filepath"
	"testing"
	"time"
)

func TestOfResponse(t *testing.T) {
	now := time.Date(2026, 12, 4, 12, 0, 0, 0, time.UTC)
	old := now.Add(-time.Hour).Format(http.TimeFormat)
	recent := now.Add(-5 * time.Second).Format(http.TimeFormat)
	tests := []struct {
		name   string
		header map[string]string
		want   string
	}{
		{"strong etag", map[string]string{"ETag": `"v1"`, "Last-Modified": old}, `etag:"v1"`},
		{"weak etag falls back to last-modified", map[string]string{"ETag": `W/"v1"`, "Last-Modified": old}, "last-modified:" + old},
		{"weak etag alone", map[string]string{"ETag": `W/"v1"`}, ""},
		{"old last-modified", map[string]string{"Last-Modified": old, "Date": now.Format(http.TimeFormat)}, "last-modified:" + old},
		{"last-modified within a minute of Date", map[string]string{"Last-Modified": recent, "Date": now.Format(http.TimeFormat)}, ""},
		{"last-modified, no Date: judged by the clock", map[string]string{"Last-Modified": recent}, ""},
		{"no-store", map[string]string{"ETag": `"v1"`, "Cache-Control": "private, No-Store"}, ""},
		{"no-cache still revalidates", map[string]string{"ETag": `"v1"`, "Cache-Control": "no-cache"}, `etag:"v1"`},
		{"nothing", map[string]string{}, ""},
		{"bad date", map[string]string{"Last-Modified": "yesterday"}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := http.Header{}
			for k, v := range tt.header {
				h.Set(k, v)
			}
			if got := OfResponse(h, now); got != tt.want {
				t.Errorf("OfResponse = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestOfFile(t *testing.T) {
	p := filepath.Join(t.TempDir(), "f")
	if err := os.WriteFile(p, []byte("1 2 3"), 0o644); err != nil {
		t.Fatal(err)
	}
	info, err := os.Stat(p)
	if err != nil {
		t.Fatal(err)
	}
	if v := OfFile(info, time.Now()); v != "" {
		t.Errorf("OfFile of a file written just now = %q, want none (racy)", v)
	}
	later := time.Now().Add(time.Hour)
	v1 := OfFile(info, later)
	if v1 == "" {
		t.Fatal("OfFile of an old enough file is empty")
	}
	if err := os.WriteFile(p, []byte("4 5 6"), 0o644); err != nil {
		t.Fatal(err)
	}
	os.Chtimes(p, info.ModTime(), info.ModTime()) // the ctime still moves
	info2, _ := os.Stat(p)
	if v2 := OfFile(info2, later); v2 == v1 || v2 == "" {
		t.Errorf("after a rewrite with the mtime put back: %q, was %q; want another validator", v2, v1)
	}
}
