package fetch

import (
	"archive/tar"
	"archive/zip"
	"compress/bzip2"
	"compress/gzip"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
)

// Limits against decompression bombs.
const (
	maxExtractBytes = 8 << 30
	maxExtractFiles = 100000
)

// ErrUnsafePath is returned for an archive entry that would land outside the target folder.
var ErrUnsafePath = errors.New("fetch: archive entry escapes the sandbox")

// isArchive reports whether the Mesos fetcher would extract a file of this name.
func isArchive(name string) bool {
	return archiveKind(name) != ""
}

func archiveKind(name string) string {
	n := strings.ToLower(name)
	switch {
	case strings.HasSuffix(n, ".tar"):
		return "tar"
	case strings.HasSuffix(n, ".tar.gz"), strings.HasSuffix(n, ".tgz"):
		return "tgz"
	case strings.HasSuffix(n, ".tar.bz2"), strings.HasSuffix(n, ".tbz2"):
		return "tbz2"
	case strings.HasSuffix(n, ".zip"):
		return "zip"
	case strings.HasSuffix(n, ".gz"):
		return "gz"
	}
	return ""
}

// Extract unpacks the archive file into dir (tar, tar.gz/tgz, tar.bz2/tbz2,
// zip, or a plain .gz). An entry with an absolute name, a ".." component, or
// a link pointing outside dir fails the whole extraction with ErrUnsafePath.
func Extract(file, dir string) error {
	x := &extractor{dir: dir}
	f, err := os.Open(file)
	if err != nil {
		return err
	}
	defer f.Close()
	switch archiveKind(file) {
	case "tar":
		return x.tar(f)
	case "tgz":
		zr, err := gzip.NewReader(f)
		if err != nil {
			return err
		}
		return x.tar(zr)
	case "tbz2":
		return x.tar(bzip2.NewReader(f))
	case "zip":
		return x.zip(file)
	case "gz":
		zr, err := gzip.NewReader(f)
		if err != nil {
			return err
		}
		name := strings.TrimSuffix(filepath.Base(file), filepath.Ext(file))
		return x.file(name, zr, 0o644)
	}
	return fmt.Errorf("%s: not an archive", file)
}

type extractor struct {
	dir   string
	bytes int64
	files int
}

// target is the checked path for an entry name.
func (x *extractor) target(name string) (string, error) {
	rel, err := safeJoin(name)
	if err != nil {
		return "", fmt.Errorf("%q: %w", name, ErrUnsafePath)
	}
	// No parent folder of the entry may be a symlink: writing through it could leave dir.
	p := x.dir
	parts := strings.Split(filepath.Dir(rel), string(filepath.Separator))
	for _, part := range parts {
		if part == "." {
			continue
		}
		p = filepath.Join(p, part)
		if fi, err := os.Lstat(p); err == nil && fi.Mode()&os.ModeSymlink != 0 {
			return "", fmt.Errorf("%q goes through a symlink: %w", name, ErrUnsafePath)
		}
	}
	x.files++
	if x.files > maxExtractFiles {
		return "", errors.New("too many files in archive")
	}
	return filepath.Join(x.dir, rel), nil
}

func (x *extractor) file(name string, r io.Reader, mode os.FileMode) error {
	dst, err := x.target(name)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
		return err
	}
	os.Remove(dst)
	out, err := os.OpenFile(dst, os.O_CREATE|os.O_TRUNC|os.O_WRONLY, mode.Perm()|0o600)
	if err != nil {
		return err
	}
	n, err := io.Copy(out, io.LimitReader(r, maxExtractBytes-x.bytes+1))
	x.bytes += n
	if err == nil && x.bytes > maxExtractBytes {
		err = errors.New("archive expands beyond the size bound")
	}
	if cerr := out.Close(); err == nil {
		err = cerr
	}
	return err
}

func (x *extractor) dirEntry(name string, mode os.FileMode) error {
	dst, err := x.target(name)
	if err != nil {
		return err
	}
	return os.MkdirAll(dst, mode.Perm()|0o700)
}

// symlink creates a link whose target, resolved from the link's folder, stays inside dir.
func (x *extractor) symlink(name, target string) error {
	dst, err := x.target(name)
	if err != nil {
		return err
	}
	if filepath.IsAbs(target) {
		return fmt.Errorf("symlink %q -> %q: %w", name, target, ErrUnsafePath)
	}
	resolved := filepath.Join(filepath.Dir(dst), target)
	if r, err := filepath.Rel(x.dir, resolved); err != nil || r == ".." || strings.HasPrefix(r, ".."+string(filepath.Separator)) {
		return fmt.Errorf("symlink %q -> %q: %w", name, target, ErrUnsafePath)
	}
	if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
		return err
	}
	os.Remove(dst)
	return os.Symlink(target, dst)
}

func (x *extractor) tar(r io.Reader) error {
	tr := tar.NewReader(r)
	for {
		h, err := tr.Next()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
		switch h.Typeflag {
		case tar.TypeDir:
			err = x.dirEntry(h.Name, h.FileInfo().Mode())
		case tar.TypeReg:
			err = x.file(h.Name, tr, h.FileInfo().Mode())
		case tar.TypeSymlink:
			err = x.symlink(h.Name, h.Linkname)
		case tar.TypeLink:
			err = x.hardlink(h.Name, h.Linkname)
		default:
			continue // devices, fifos and the like are skipped
		}
		if err != nil {
			return err
		}
	}
}

func (x *extractor) hardlink(name, target string) error {
	src, err := x.target(target)
	if err != nil {
		return err
	}
	dst, err := x.target(name)
	if err != nil {
		return err
	}
	os.Remove(dst)
	return os.Link(src, dst)
}

func (x *extractor) zip(file string) error {
	zr, err := zip.OpenReader(file)
	if err != nil {
		return err
	}
	defer zr.Close()
	for _, zf := range zr.File {
		mode := zf.Mode()
		switch {
		case mode.IsDir():
			err = x.dirEntry(zf.Name, mode)
		case mode&os.ModeSymlink != 0:
			err = x.zipSymlink(zf)
		default:
			err = x.zipFile(zf)
		}
		if err != nil {
			return err
		}
	}
	return nil
}

func (x *extractor) zipFile(zf *zip.File) error {
	rc, err := zf.Open()
	if err != nil {
		return err
	}
	defer rc.Close()
	return x.file(zf.Name, rc, zf.Mode())
}

func (x *extractor) zipSymlink(zf *zip.File) error {
	rc, err := zf.Open()
	if err != nil {
		return err
	}
	defer rc.Close()
	target, err := io.ReadAll(io.LimitReader(rc, 4096))
	if err != nil {
		return err
	}
	return x.symlink(zf.Name, string(target))
}
