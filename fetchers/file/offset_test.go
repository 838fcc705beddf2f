package filefetch

import (
	"bytes"
	"context"
	"slices"
	"testing"

	"github.com/batchd/batchd/plugins/fetcher/fetchertest"
)

// TestFetchIgnoresOffset: the file fetcher copies the whole file afresh
// whatever Dest holds, so even a wrong prefix yields the right file.
func TestFetchIgnoresOffset(t *testing.T) {
	data, sum := fetchertest.Content(700_001)
	src := writeFile(t, t.TempDir(), "in.bin", data)
	tests := []struct {
		name   string
		prefix []byte
	}{
		{"half", data[:len(data)/2]},
		{"whole file already there", data},
		{"prefix longer than the file", append(slices.Clip(data), "tail"...)},
		{"wrong prefix", bytes.Repeat([]byte{0}, 1000)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, dest, err := fetchertest.Resume(t, context.Background(), New(), src, tt.prefix)
			if err != nil {
				t.Fatalf("Fetch: %v", err)
			}
			fetchertest.CheckResult(t, res, int64(len(data)), sum)
			fetchertest.CheckFile(t, dest, sum)
		})
	}
}
