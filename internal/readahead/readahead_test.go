package readahead

import (
	"bytes"
	"errors"
	"io"
	"testing"
	"testing/iotest"
)

const (
	blocks    = 3
	blockSize = 64 << 10
)

// zeroReader is an endless source of zeros.
type zeroReader struct{}

func (zeroReader) Read(p []byte) (int, error) {
	clear(p)
	return len(p), nil
}

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

func TestReader(t *testing.T) {
	data := make([]byte, 3*blockSize+blockSize/2)
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
		{name: "one block", size: blockSize},
		{name: "blocks and a half", size: len(data)},
		{name: "one byte per read", size: 5000, src: func(b []byte) io.Reader { return iotest.OneByteReader(bytes.NewReader(b)) }},
		{name: "error after the data", size: blockSize + 10, wantErr: io.ErrUnexpectedEOF,
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
			a := New(src, blocks, blockSize)
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

func TestReaderClosedEarly(t *testing.T) {
	// An endless source: Close must stop the goroutine (TestMain checks leaks).
	a := New(zeroReader{}, blocks, blockSize)
	if _, err := io.ReadFull(a, make([]byte, 10)); err != nil {
		t.Fatal(err)
	}
	a.Close()
	a.Close()
	if _, err := io.ReadAll(a); !errors.Is(err, ErrClosed) {
		t.Errorf("read after Close: %v, want ErrClosed", err)
	}
}
