package archive

import (
	"bytes"
	"context"
	"errors"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"
	"testing/iotest"
)

// failAfter gives data, then err.
type failAfter struct {
	r   io.Reader
	err error
}

func (f *failAfter) Read(p []byte) (int, error) {
	n, err := f.r.Read(p)
	if errors.Is(err, io.EOF) {
		err = f.err
	}
	return n, err
}

func TestAheadReader(t *testing.T) {
	data := make([]byte, 3*aheadBlockSize+aheadBlockSize/2)
	for i := range data {
		data[i] = byte(i * 7 % 251)
	}
	tests := []struct {
		name    string
		size    int
		src     func(b []byte) io.Reader
		wantErr error
	}{
		{name: "empty", size: 0},
		{name: "one byte", size: 1},
		{name: "one block", size: aheadBlockSize},
		{name: "blocks and a half", size: len(data)},
		{name: "one byte per read", size: 5000, src: func(b []byte) io.Reader { return iotest.OneByteReader(bytes.NewReader(b)) }},
		{name: "error after the data", size: aheadBlockSize + 10, wantErr: io.ErrUnexpectedEOF,
			src: func(b []byte) io.Reader { return &failAfter{r: bytes.NewReader(b), err: io.ErrUnexpectedEOF} }},
		{name: "error with the data", size: 300, wantErr: iotest.ErrTimeout,
			src: func(b []byte) io.Reader { return iotest.TimeoutReader(iotest.HalfReader(bytes.NewReader(b))) }},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			want := data[:tc.size]
			var src io.Reader = bytes.NewReader(want)
			if tc.src != nil {
				src = tc.src(want)
			}
			a := newAheadReader(src)
			defer a.Close()
			got, err := io.ReadAll(a)
			if !errors.Is(err, tc.wantErr) {
				t.Fatalf("error %v, want %v", err, tc.wantErr)
			}
			if tc.wantErr == nil && !bytes.Equal(got, want) {
				t.Fatalf("read %d bytes, not the %d written", len(got), len(want))
			}
			if tc.wantErr != nil && !bytes.Equal(got, want[:len(got)]) {
				t.Fatalf("the %d bytes read before the error differ from the source", len(got))
			}
			if n, err := a.Read(make([]byte, 8)); n != 0 || err == nil {
				t.Errorf("read after the end: %d, %v", n, err)
			}
		})
	}
}

func TestAheadReaderClosedEarly(t *testing.T) {
	// An endless source: Close must stop the goroutine (TestMain checks leaks).
	a := newAheadReader(zeroReader{})
	if _, err := io.ReadFull(a, make([]byte, 10)); err != nil {
		t.Fatal(err)
	}
	a.Close()
	a.Close()
	if _, err := io.ReadAll(a); !errors.Is(err, errAheadClosed) {
		t.Errorf("read after Close: %v, want errAheadClosed", err)
	}
}

// TestExtractLargeBodies extracts bodies spanning many read-ahead blocks
// and many pooled zip inflaters, and compares every byte.
func TestExtractLargeBodies(t *testing.T) {
	// Random 3 KiB chunks, each repeated: compressible, but not trivially.
	chunk := make([]byte, 3<<10)
	rng := rand.NewChaCha8([32]byte{1})
	var ms []member
	for i, size := range []int{0, 1, 5 << 10, aheadBlockSize - 1, aheadBlockSize, 2*aheadBlockSize + 17} {
		var b bytes.Buffer
		for b.Len() < size {
			_, _ = rng.Read(chunk)
			b.Write(bytes.Repeat(chunk, 4))
		}
		ms = append(ms, member{name: "d/" + string(rune('a'+i)), body: string(b.Bytes()[:size])})
	}
	for _, name := range []string{"big.tar.gz", "big.tar.zst", "big.zip"} {
		t.Run(name, func(t *testing.T) {
			var data []byte
			switch name {
			case "big.zip":
				data = zipOf(t, ms...)
			case "big.tar.gz":
				data = compress(t, TarGz, tarOf(t, ms...))
			default:
				data = compress(t, TarZst, tarOf(t, ms...))
			}
			dst := t.TempDir()
			if _, err := Extract(context.Background(), writeFile(t, name, data), dst, Limits{}); err != nil {
				t.Fatalf("Extract: %v", err)
			}
			for _, m := range ms {
				got, err := os.ReadFile(filepath.Join(dst, m.name))
				if err != nil || string(got) != m.body {
					t.Errorf("%s: %d bytes, want %d (%v)", m.name, len(got), len(m.body), err)
				}
			}
		})
	}
}
