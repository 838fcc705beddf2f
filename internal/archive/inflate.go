package archive

import (
	"errors"
	"io"
	"sync"

	"github.com/klauspost/compress/flate"
)

// zipInflate is the zip decompressor for deflated entries: klauspost's
// flate, faster than compress/flate, its readers pooled across entries as
// archive/zip pools its own. archive/zip still checks each entry's size and
// CRC-32 around it.
func zipInflate(r io.Reader) io.ReadCloser {
	if fr, ok := inflaters.Get().(io.ReadCloser); ok {
		if err := fr.(flate.Resetter).Reset(r, nil); err == nil {
			return &inflater{rc: fr}
		}
	}
	return &inflater{rc: flate.NewReader(r)}
}

var inflaters sync.Pool

// errInflaterClosed is a read after Close.
var errInflaterClosed = errors.New("archive: read from a closed zip entry")

// inflater returns its flate reader to the pool when closed.
type inflater struct{ rc io.ReadCloser }

func (f *inflater) Read(p []byte) (int, error) {
	if f.rc == nil {
		return 0, errInflaterClosed
	}
	return f.rc.Read(p)
}

func (f *inflater) Close() error {
	if f.rc == nil {
		return nil
	}
	err := f.rc.Close()
	inflaters.Put(f.rc)
	f.rc = nil
	return err
}
