package hdfsfetch

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"os"
	"path/filepath"
	"testing"
)

// chunkReader returns data in reads of at most size bytes, then err (io.EOF
// when nil).
type chunkReader struct {
	data []byte
	size int
	err  error
}

func (c *chunkReader) Read(b []byte) (int, error) {
	if len(c.data) == 0 {
		if c.err != nil {
			return 0, c.err
		}
		return 0, io.EOF
	}
	k := copy(b[:min(len(b), c.size)], c.data)
	c.data = c.data[k:]
	return k, nil
}

func TestAsyncWriter(t *testing.T) {
	errRead := errors.New("connection reset")
	data := randomBytes(3*asyncBufSize+12345, 7)
	tests := []struct {
		name    string
		pieces  []int // alternately written with Write and read with ReadFrom
		chunk   int   // the reader's largest read
		readErr error // what ReadFrom's reader fails with after its bytes
	}{
		{"nothing", nil, 1, nil},
		{"one write", []int{len(data)}, 1, nil},
		{"one read of packets", []int{0, len(data)}, 64 << 10, nil},
		{"odd reads across buffers", []int{0, len(data)}, 65537, nil},
		{"writes and reads mixed", []int{100, asyncBufSize, 1, 2*asyncBufSize - 3, 12345 - 98}, 4097, nil},
		{"read fails after its bytes", []int{512, 300_000}, 70_000, errRead},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out, err := os.Create(filepath.Join(t.TempDir(), "out"))
			if err != nil {
				t.Fatal(err)
			}
			defer out.Close()
			h := sha256.New()
			a := newAsyncWriter(out, h, 0)
			off := 0
			for i, n := range tt.pieces {
				p := data[off : off+n]
				if i%2 == 0 {
					if k, err := a.Write(p); k != n || err != nil {
						t.Fatalf("Write(%d bytes) = %d, %v", n, k, err)
					}
				} else {
					k, err := a.ReadFrom(&chunkReader{data: p, size: tt.chunk, err: tt.readErr})
					if k != int64(n) || err != tt.readErr {
						t.Fatalf("ReadFrom(%d bytes) = %d, %v; want %v", n, k, err, tt.readErr)
					}
				}
				off += n
			}
			a.Close()
			want := data[:off]
			if got := hex.EncodeToString(h.Sum(nil)); got != digest(want) {
				t.Errorf("hash %s, want %s", got, digest(want))
			}
			got, err := os.ReadFile(out.Name())
			if err != nil || !bytes.Equal(got, want) {
				t.Errorf("file holds %d bytes (err %v), want the %d given", len(got), err, len(want))
			}
		})
	}
}

func TestAsyncWriterFailure(t *testing.T) {
	p := filepath.Join(t.TempDir(), "out")
	if err := os.WriteFile(p, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	out, err := os.Open(p) // read-only: every write fails
	if err != nil {
		t.Fatal(err)
	}
	defer out.Close()
	a := newAsyncWriter(out, sha256.New(), 0)
	defer a.Close()
	var we *writeError
	if k, err := a.Write([]byte("abc")); k != 0 || !errors.As(err, &we) {
		t.Errorf("Write = %d, %v; want 0 and a *writeError", k, err)
	}
	if k, err := a.ReadFrom(&chunkReader{data: []byte("defg"), size: 2}); k != 0 || !errors.As(err, &we) {
		t.Errorf("ReadFrom = %d, %v; want 0 and a *writeError", k, err)
	}
}
