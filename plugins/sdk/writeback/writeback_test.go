package writeback

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
)

// TestStartKeepsContent starts write-out of ranges of a file while it is
// written, and on a closed file, and checks the file's bytes are exactly
// what was written: Start only hints, it never fails or changes data.
func TestStartKeepsContent(t *testing.T) {
	path := filepath.Join(t.TempDir(), "blob")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	chunk := bytes.Repeat([]byte("batchd"), 100_000)
	var want []byte
	var off int64
	for range 5 {
		if _, err := f.Write(chunk); err != nil {
			t.Fatal(err)
		}
		want = append(want, chunk...)
		Start(f, off, int64(len(chunk)))
		off += int64(len(chunk))
	}
	if err := f.Sync(); err != nil {
		t.Fatal(err)
	}
	f.Close()
	Start(f, 0, off) // closed: ignored
	got, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Fatalf("file holds %d bytes, not the %d written", len(got), len(want))
	}
}
