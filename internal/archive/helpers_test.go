package archive

import (
	"archive/tar"
	"archive/zip"
	"bytes"
	"io/fs"
	"os"
	"path/filepath"
	"testing"

	"github.com/klauspost/compress/gzip"
	"github.com/klauspost/compress/zstd"
	"github.com/ulikunitz/xz"
)

// member is one archive entry a test builds.
type member struct {
	name string
	body string
	// typ is a tar type flag; 0 means a regular file (a folder when name ends in "/").
	typ  byte
	mode int64
	link string
	// size overrides the header size of a tar regular file when not 0.
	size int64
}

func (m member) tarHeader() *tar.Header {
	h := &tar.Header{Name: m.name, Mode: m.mode, Linkname: m.link, Typeflag: m.typ, Format: tar.FormatPAX}
	if h.Typeflag == 0 {
		h.Typeflag = tar.TypeReg
		if len(m.name) > 0 && m.name[len(m.name)-1] == '/' {
			h.Typeflag = tar.TypeDir
		}
	}
	if h.Mode == 0 {
		h.Mode = 0o644
		if h.Typeflag == tar.TypeDir {
			h.Mode = 0o755
		}
	}
	if h.Typeflag == tar.TypeReg {
		h.Size = int64(len(m.body))
	}
	return h
}

// tarOf builds a tar stream holding ms, in order.
func tarOf(t testing.TB, ms ...member) []byte {
	t.Helper()
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	for _, m := range ms {
		if err := tw.WriteHeader(m.tarHeader()); err != nil {
			t.Fatalf("tar header %q: %v", m.name, err)
		}
		if _, err := tw.Write([]byte(m.body)); err != nil {
			t.Fatalf("tar body %q: %v", m.name, err)
		}
	}
	if err := tw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// zipOf builds a zip holding ms: typ tar.TypeSymlink makes a symlink
// (mode bits, target as body), tar.TypeFifo a fifo; mode is kept.
func zipOf(t testing.TB, ms ...member) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, m := range ms {
		fh := &zip.FileHeader{Name: m.name, Method: zip.Deflate}
		mode := fs.FileMode(m.mode)
		if mode == 0 {
			mode = 0o644
		}
		body := m.body
		switch {
		case m.typ == tar.TypeSymlink:
			mode |= fs.ModeSymlink
			body = m.link
		case m.typ == tar.TypeFifo:
			mode |= fs.ModeNamedPipe
		case m.typ == tar.TypeChar:
			mode |= fs.ModeDevice | fs.ModeCharDevice
		case len(m.name) > 0 && m.name[len(m.name)-1] == '/':
			mode |= fs.ModeDir
		}
		if m.mode&0o4000 != 0 {
			mode |= fs.ModeSetuid
		}
		fh.SetMode(mode)
		w, err := zw.CreateHeader(fh)
		if err != nil {
			t.Fatalf("zip header %q: %v", m.name, err)
		}
		if _, err := w.Write([]byte(body)); err != nil {
			t.Fatal(err)
		}
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// compress compresses data for format (a tar.* or gz format); bzip2 is not
// here: it comes from testdata (see TestBzip2Fixtures).
func compress(t testing.TB, format Format, data []byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	var err error
	switch format {
	case Tar, Zip:
		return data
	case TarGz, Gz:
		zw := gzip.NewWriter(&buf)
		_, err = zw.Write(data)
		if err == nil {
			err = zw.Close()
		}
	case TarXz:
		zw, werr := xz.NewWriter(&buf)
		if werr != nil {
			t.Fatal(werr)
		}
		_, err = zw.Write(data)
		if err == nil {
			err = zw.Close()
		}
	case TarZst:
		zw, werr := zstd.NewWriter(&buf)
		if werr != nil {
			t.Fatal(werr)
		}
		_, err = zw.Write(data)
		if err == nil {
			err = zw.Close()
		}
	default:
		t.Fatalf("cannot compress %s", format)
	}
	if err != nil {
		t.Fatalf("compressing %s: %v", format, err)
	}
	return buf.Bytes()
}

// writeFile writes data to a new file called name in a new temp folder.
func writeFile(t testing.TB, name string, data []byte) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, data, 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// listing describes a folder tree: path -> "file <perm> <content>",
// "dir <perm>" or "link -> <target>".
func listing(t testing.TB, dir string) map[string]string {
	t.Helper()
	out := map[string]string{}
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		if rel == "." {
			return nil
		}
		fi, err := os.Lstat(p)
		if err != nil {
			return err
		}
		switch {
		case fi.Mode()&fs.ModeSymlink != 0:
			target, _ := os.Readlink(p)
			out[filepath.ToSlash(rel)] = "link -> " + target
		case fi.IsDir():
			out[filepath.ToSlash(rel)] = "dir " + fi.Mode().Perm().String()
		default:
			b, _ := os.ReadFile(p)
			out[filepath.ToSlash(rel)] = "file " + fi.Mode().String() + " " + string(b)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}
