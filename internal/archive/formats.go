package archive

import (
	"archive/tar"
	"archive/zip"
	"bufio"
	"bytes"
	"compress/bzip2"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path"
	"strings"

	"github.com/klauspost/compress/gzip"
	"github.com/klauspost/compress/zstd"
	"github.com/ulikunitz/xz"

	"github.com/batchd/batchd/internal/readahead"
)

// Read-ahead: how many blocks of what size a decompressor may run ahead of
// the writer.
const (
	aheadBlocks    = 3
	aheadBlockSize = 1 << 20
)

// zstdMaxMemory bounds the memory a zstd frame may ask for (its window).
const zstdMaxMemory = 1 << 30

// compressedTar reads a tar stream, decompressing it as format says.
func (x *extractor) compressedTar(f *os.File, format Format) error {
	var r io.Reader = bufio.NewReaderSize(f, 1<<20)
	switch format {
	case Tar:
	case TarGz:
		zr, err := gzip.NewReader(r)
		if err != nil {
			return corrupt("gzip", err)
		}
		defer zr.Close()
		r = zr
	case TarBz2:
		r = bzip2.NewReader(r)
	case TarXz:
		zr, err := xz.NewReader(r)
		if err != nil {
			return corrupt("xz", err)
		}
		r = zr
	case TarZst:
		zr, err := zstd.NewReader(r, zstd.WithDecoderMaxMemory(zstdMaxMemory), zstd.WithDecoderConcurrency(1))
		if err != nil {
			return corrupt("zstd", err)
		}
		defer zr.Close()
		r = zr
	default:
		return fmt.Errorf("%w %q", ErrUnknownFormat, format)
	}
	if format != Tar {
		// Deferred after the decompressor's Close, so it runs first.
		ahead := readahead.New(r, aheadBlocks, aheadBlockSize)
		defer ahead.Close()
		r = ahead
	}
	return x.tar(r)
}

// tar extracts a tar stream entry by entry.
func (x *extractor) tar(r io.Reader) error {
	tr := tar.NewReader(r)
	for {
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			return nil
		}
		// ErrInsecurePath (GODEBUG=tarinsecurepath=0) comes with a usable
		// header; the rules judge the name.
		if err != nil && !errors.Is(err, tar.ErrInsecurePath) {
			return corrupt("reading tar header", err)
		}
		e := entry{name: h.Name, mode: h.FileInfo().Mode(), size: h.Size, link: h.Linkname}
		switch h.Typeflag {
		case tar.TypeDir:
			e.typ, e.size = typeDir, -1
		case tar.TypeReg, '\x00', tar.TypeCont, tar.TypeGNUSparse:
			e.typ = typeFile
		case tar.TypeSymlink:
			e.typ, e.size = typeSymlink, -1
		case tar.TypeLink:
			e.typ, e.size = typeHardlink, -1
		case tar.TypeXGlobalHeader:
			continue
		case tar.TypeChar, tar.TypeBlock:
			e.typ, e.what = typeSpecial, "device"
		case tar.TypeFifo:
			e.typ, e.what = typeSpecial, "fifo"
		default:
			e.typ, e.what = typeSpecial, fmt.Sprintf("tar type %q", h.Typeflag)
		}
		if err := x.add(e, tr); err != nil {
			return err
		}
	}
}

// maxZipLink bounds a zip symlink's body, which holds its target.
const maxZipLink = maxName

// zip extracts a zip file. Its central directory is read first, so a zip
// with too many entries is refused before anything is written. The bodies
// of regular files are written by bodyWriters while later entries are
// checked and created.
func (x *extractor) zip(f *os.File) error {
	fi, err := f.Stat()
	if err != nil {
		return err
	}
	zr, err := zip.NewReader(f, fi.Size())
	if err != nil && !errors.Is(err, zip.ErrInsecurePath) {
		return corrupt("reading zip directory", err)
	}
	zr.RegisterDecompressor(zip.Deflate, zipInflate)
	if len(zr.File) > x.lim.MaxFiles {
		return broke(zr.File[x.lim.MaxFiles].Name, RuleTooManyEntries, "the zip lists %d entries, limit %d", len(zr.File), x.lim.MaxFiles)
	}
	x.bodies = newBodyWriters(x.ctx, x.sink)
	outer := x.ctx
	x.ctx = x.bodies.ctx // a failed body stops the loop
	defer func() { x.ctx, x.bodies = outer, nil }()
	for i, zf := range zr.File {
		if err := x.zipEntry(zf); err != nil {
			return x.bodies.wait(i+1, err)
		}
	}
	return x.bodies.wait(0, nil)
}

func (x *extractor) zipEntry(zf *zip.File) error {
	mode := zf.Mode()
	e := entry{name: zf.Name, mode: mode, size: -1}
	switch {
	case mode.IsDir():
		e.typ = typeDir
		return x.add(e, nil)
	case mode&(os.ModeDevice|os.ModeCharDevice) != 0:
		e.typ, e.what = typeSpecial, "device"
		return x.add(e, nil)
	case mode&(os.ModeNamedPipe|os.ModeSocket|os.ModeIrregular) != 0:
		e.typ, e.what = typeSpecial, "fifo, socket or irregular file"
		return x.add(e, nil)
	}
	if mode&os.ModeSymlink == 0 {
		// archive/zip fails a body longer or shorter than this size.
		e.typ, e.size, e.open = typeFile, int64(min(zf.UncompressedSize64, math.MaxInt64)), zf.Open
		return x.add(e, nil)
	}
	rc, err := zf.Open()
	if err != nil {
		return corrupt(fmt.Sprintf("entry %q", zf.Name), err)
	}
	defer rc.Close()
	target, err := io.ReadAll(io.LimitReader(rc, maxZipLink+1))
	if err != nil {
		return corrupt(fmt.Sprintf("entry %q", zf.Name), err)
	}
	e.typ, e.link = typeSymlink, string(target)
	return x.add(e, nil)
}

// gz decompresses a plain gzip file into one file named after the archive
// without ".gz" (else the name stored in the gzip header, else the archive
// name with ".out" added).
func (x *extractor) gz(f *os.File, name string) error {
	zr, err := gzip.NewReader(bufio.NewReaderSize(f, 1<<20))
	if err != nil {
		return corrupt("gzip", err)
	}
	defer zr.Close()
	ahead := readahead.New(zr, aheadBlocks, aheadBlockSize)
	defer ahead.Close()
	out := name + ".out"
	switch {
	case len(name) > 3 && strings.EqualFold(name[len(name)-3:], ".gz"):
		out = name[:len(name)-3]
	case zr.Name != "":
		out = path.Base(zr.Name)
	}
	return x.add(entry{name: out, typ: typeFile, mode: 0o644, size: -1}, ahead)
}

// Sniff tells an archive's format from its first bytes: the magic numbers
// of zip, gzip, bzip2, xz and zstd, and tar's "ustar" marker. A gzip stream
// holding a tar is TarGz, else Gz; bzip2, xz and zstd streams are assumed
// to hold a tar.
func Sniff(r io.ReaderAt) (Format, bool) {
	head := make([]byte, 512)
	n, _ := r.ReadAt(head, 0)
	head = head[:n]
	switch {
	case bytes.HasPrefix(head, []byte("PK\x03\x04")), bytes.HasPrefix(head, []byte("PK\x05\x06")):
		return Zip, true
	case bytes.HasPrefix(head, []byte{0x1f, 0x8b}):
		zr, err := gzip.NewReader(io.NewSectionReader(r, 0, 1<<20))
		if err != nil {
			return Gz, true
		}
		defer zr.Close()
		inner := make([]byte, 512)
		k, _ := io.ReadFull(zr, inner)
		if isTar(inner[:k]) {
			return TarGz, true
		}
		return Gz, true
	case bytes.HasPrefix(head, []byte("BZh")):
		return TarBz2, true
	case bytes.HasPrefix(head, []byte{0xfd, '7', 'z', 'X', 'Z', 0}):
		return TarXz, true
	case bytes.HasPrefix(head, []byte{0x28, 0xb5, 0x2f, 0xfd}):
		return TarZst, true
	case isTar(head):
		return Tar, true
	}
	return "", false
}

// isTar reports whether a tar header block carries the ustar magic.
func isTar(block []byte) bool {
	return len(block) >= 263 && bytes.Equal(block[257:262], []byte("ustar"))
}
