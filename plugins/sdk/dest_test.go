package sdk

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/batchd/batchd/plugins/fetcher"
	"github.com/batchd/batchd/plugins/sdk/writeback"
)

func digest(b []byte) string {
	s := sha256.Sum256(b)
	return hex.EncodeToString(s[:])
}

func randomBytes(n int, seed uint64) []byte {
	r := rand.New(rand.NewPCG(seed, seed))
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(r.Uint32())
	}
	return b
}

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

func TestDestResume(t *testing.T) {
	data := randomBytes(hashBufSize+777, 1)
	tests := []struct {
		name    string
		onDisk  []byte // nil: no file
		offset  int64
		kept    int64 // bytes OpenDest keeps
		restart bool  // Restart before writing the rest
	}{
		{"fresh", nil, 0, 0, false},
		{"fresh over an old file", []byte("old bytes"), 0, 0, false},
		{"resume a matching prefix", data[:1000], 1000, 1000, false},
		{"resume cuts bytes past the offset", data[:5000], 1000, 1000, false},
		{"file shorter than the offset starts over", data[:10], 1000, 0, false},
		{"missing file starts over", nil, 1000, 0, false},
		{"prefix refused by the fetcher", []byte("stale prefix"), 12, 12, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := filepath.Join(t.TempDir(), "dest")
			if tt.onDisk != nil {
				if err := os.WriteFile(p, tt.onDisk, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			d, err := OpenDest(fetcher.Request{Dest: p, Offset: tt.offset}, nil)
			if err != nil {
				t.Fatal(err)
			}
			defer d.Abort()
			if d.Written() != tt.kept || d.PrefixTime().IsZero() != (tt.kept == 0) {
				t.Fatalf("kept %d bytes (prefix time %v), want %d", d.Written(), d.PrefixTime(), tt.kept)
			}
			if tt.restart {
				if err := d.Restart(); err != nil {
					t.Fatal(err)
				}
				if d.Written() != 0 || !d.PrefixTime().IsZero() {
					t.Fatalf("after Restart: %d bytes, prefix time %v", d.Written(), d.PrefixTime())
				}
			}
			if _, err := d.ReadFrom(bytes.NewReader(data[d.Written():])); err != nil {
				t.Fatal(err)
			}
			res, err := d.Commit()
			if err != nil {
				t.Fatal(err)
			}
			if res.Size != int64(len(data)) || res.SHA256 != digest(data) {
				t.Errorf("result %d bytes %s, want %d %s", res.Size, res.SHA256, len(data), digest(data))
			}
			if got, err := os.ReadFile(p); err != nil || !bytes.Equal(got, data) {
				t.Errorf("file holds %d bytes (err %v), want the %d written", len(got), err, len(data))
			}
		})
	}
}

func TestDestWrites(t *testing.T) {
	errRead := errors.New("connection reset")
	data := randomBytes(3*hashBufSize+12345, 7)
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
		{"writes and reads mixed", []int{100, hashBufSize, 1, 2*hashBufSize - 3, 12345 - 98}, 4097, nil},
		{"read fails after its bytes", []int{512, 300_000}, 70_000, errRead},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := filepath.Join(t.TempDir(), "dest")
			d, err := OpenDest(fetcher.Request{Dest: p}, nil)
			if err != nil {
				t.Fatal(err)
			}
			defer d.Abort()
			off := 0
			for i, n := range tt.pieces {
				b := data[off : off+n]
				if i%2 == 0 {
					if k, err := d.Write(b); k != n || err != nil {
						t.Fatalf("Write(%d bytes) = %d, %v", n, k, err)
					}
				} else {
					k, err := d.ReadFrom(&chunkReader{data: b, size: tt.chunk, err: tt.readErr})
					if k != int64(n) || err != tt.readErr {
						t.Fatalf("ReadFrom(%d bytes) = %d, %v; want %v", n, k, err, tt.readErr)
					}
				}
				off += n
			}
			res, err := d.Commit()
			if err != nil {
				t.Fatal(err)
			}
			want := data[:off]
			if res.SHA256 != digest(want) || res.Size != int64(off) {
				t.Errorf("result %d bytes %s, want %d %s", res.Size, res.SHA256, off, digest(want))
			}
			if got, err := os.ReadFile(p); err != nil || !bytes.Equal(got, want) {
				t.Errorf("file holds %d bytes (err %v), want the %d given", len(got), err, len(want))
			}
		})
	}
}

// written opens req.Dest and writes data through the Dest.
func written(t *testing.T, req fetcher.Request, data string) *Dest {
	t.Helper()
	d, err := OpenDest(req, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := d.Write([]byte(data)); err != nil {
		t.Fatal(err)
	}
	return d
}

func TestDestAbort(t *testing.T) {
	tests := []struct {
		name     string
		keep     bool
		wantFile bool
	}{
		{"removed", false, false},
		{"kept for a resume", true, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := filepath.Join(t.TempDir(), "dest")
			d := written(t, fetcher.Request{Dest: p, KeepPartial: tt.keep}, "a prefix")
			d.Abort()
			d.Abort() // twice is harmless
			got, err := os.ReadFile(p)
			if tt.wantFile && string(got) != "a prefix" {
				t.Errorf("file holds %q (err %v), want the prefix", got, err)
			}
			if !tt.wantFile && !errors.Is(err, os.ErrNotExist) {
				t.Errorf("file still there (err %v)", err)
			}
		})
	}
}

func TestDestAbortAfterCommit(t *testing.T) {
	p := filepath.Join(t.TempDir(), "dest")
	d := written(t, fetcher.Request{Dest: p}, "whole")
	if _, err := d.Commit(); err != nil {
		t.Fatal(err)
	}
	d.Abort()
	if got, err := os.ReadFile(p); err != nil || string(got) != "whole" {
		t.Errorf("file holds %q (err %v) after Commit then Abort", got, err)
	}
	if _, err := d.Commit(); !errors.Is(err, os.ErrClosed) {
		t.Errorf("second Commit = %v, want os.ErrClosed", err)
	}
}

func TestDestWriteFailure(t *testing.T) {
	p := filepath.Join(t.TempDir(), "dest")
	d, err := OpenDest(fetcher.Request{Dest: p}, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Abort()
	ro, err := os.Open(p) // read-only: every write fails
	if err != nil {
		t.Fatal(err)
	}
	d.f.Close()
	d.f = ro
	var we *WriteError
	if k, err := d.Write([]byte("abc")); k != 0 || !errors.As(err, &we) || we.Path != p {
		t.Errorf("Write = %d, %v; want 0 and a *WriteError naming %s", k, err, p)
	}
	errRead := errors.New("connection reset")
	if k, err := d.ReadFrom(&chunkReader{data: []byte("defg"), size: 2}); k != 0 || !errors.As(err, &we) {
		t.Errorf("ReadFrom = %d, %v; want 0 and a *WriteError", k, err)
	}
	if _, err := d.ReadFrom(&chunkReader{err: errRead}); err != errRead {
		t.Errorf("ReadFrom of a failing source = %v, want its error unchanged", err)
	}
}

func TestDestOpenErrorNamesFile(t *testing.T) {
	p := filepath.Join(t.TempDir(), "no", "such", "dir", "dest")
	_, err := OpenDest(fetcher.Request{Dest: p}, nil)
	if err == nil || !errors.Is(err, os.ErrNotExist) || !bytes.Contains([]byte(err.Error()), []byte(p)) {
		t.Errorf("OpenDest = %v, want an error naming %s", err, p)
	}
}

// fakeClock is a clock tests move by hand.
type fakeClock struct{ t time.Time }

func (c *fakeClock) now() time.Time { return c.t }

func TestDestProgress(t *testing.T) {
	type step struct {
		write   int           // bytes to write
		advance time.Duration // clock move before the write
	}
	tests := []struct {
		name  string
		steps []step
		want  []int64 // Bytes of each report, the first from Report
	}{
		{"small writes within the interval", []step{{1000, 0}, {1000, time.Millisecond}, {1000, 10 * time.Millisecond}}, []int64{0, 3000}},
		{"every interval", []step{{10, ProgressInterval}, {10, ProgressInterval / 2}, {10, ProgressInterval / 2}}, []int64{0, 10, 30}},
		{"every ProgressBytes", []step{{ProgressBytes - 1, 0}, {1, 0}, {ProgressBytes / 2, 0}}, []int64{0, ProgressBytes, ProgressBytes * 3 / 2}},
		{"no repeat at the end", []step{{5, ProgressInterval}}, []int64{0, 5}},
		{"a new total at the end", []step{{0, 0}}, []int64{0, 0}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			clock := &fakeClock{t: time.Unix(1e9, 0)}
			var got []int64
			d, err := openDest(fetcher.Request{Dest: filepath.Join(t.TempDir(), "dest")}, func(p fetcher.Progress) {
				got = append(got, p.Bytes)
			}, clock.now)
			if err != nil {
				t.Fatal(err)
			}
			defer d.Abort()
			d.Report()
			for _, s := range tt.steps {
				clock.t = clock.t.Add(s.advance)
				if _, err := d.Write(make([]byte, s.write)); err != nil {
					t.Fatal(err)
				}
			}
			if tt.steps[0].write == 0 {
				d.SetTotal(0)
			}
			if _, err := d.Commit(); err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("reports %v, want %v", got, tt.want)
			}
		})
	}
}

// TestDestWritebackWholeFolios: writes of odd sizes start write-out of
// ranges that end on writeback.Align, never inside a page the next write
// appends to, and leave less than Every+Align bytes unstarted.
func TestDestWritebackWholeFolios(t *testing.T) {
	d, err := OpenDest(fetcher.Request{Dest: filepath.Join(t.TempDir(), "dest")}, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Abort()
	piece := randomBytes(33333, 3)
	starts := 0
	for d.Written() < 3*writeback.Every {
		before := d.flushed
		if _, err := d.Write(piece); err != nil {
			t.Fatal(err)
		}
		if d.flushed != before {
			starts++
		}
		if d.flushed%writeback.Align != 0 {
			t.Fatalf("write-out started up to byte %d, not a multiple of %d", d.flushed, writeback.Align)
		}
		if d.written-d.flushed >= writeback.Every+writeback.Align {
			t.Fatalf("%d bytes written, write-out started for %d only", d.written, d.flushed)
		}
	}
	if starts < 2 {
		t.Errorf("write-out started %d times for %d bytes", starts, d.Written())
	}
	if _, err := d.Commit(); err != nil {
		t.Fatal(err)
	}
}
