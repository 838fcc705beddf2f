package hdfsfetch

import (
	"archive/tar"
	"fmt"
	"io"
	"os"
	"path"

	"github.com/colinmarc/hdfs/v2"
)

// writeTree writes the directory root (info) and everything under it to w
// as a tar stream rooted at root's base name, in name order, adding each
// entry to v as it is listed, before its bytes are read.
func (s *session) writeTree(w io.Writer, root string, info os.FileInfo, v *version) error {
	tw := tar.NewWriter(w)
	err := s.walk(root, entryName(root), info, func(p, name string, fi os.FileInfo) error {
		v.add(name, fi)
		return s.writeEntry(tw, p, name, fi)
	})
	if err != nil {
		return err
	}
	return tw.Close()
}

// entryName is the name the file or tree at p is staged under: its base
// name ("root" for /).
func entryName(p string) string {
	if base := path.Base(p); base != "/" {
		return base
	}
	return "root"
}

// walk calls visit for p (fi, staged as name) and, for a directory, for
// everything under it, depth first in name order as the namenode lists it,
// one getListing per directory (and per page of it).
func (s *session) walk(p, name string, fi os.FileInfo, visit func(p, name string, fi os.FileInfo) error) error {
	if err := s.ctx.Err(); err != nil {
		return err
	}
	if err := visit(p, name, fi); err != nil || !fi.IsDir() {
		return err
	}
	children, err := s.client.ReadDir(p)
	if err != nil {
		return fmt.Errorf("listing %s: %w", p, classify(err))
	}
	for _, c := range children {
		if err := s.walk(path.Join(p, c.Name()), name+"/"+c.Name(), c, visit); err != nil {
			return err
		}
	}
	return nil
}

// writeEntry writes the tar header of one file or directory, and a
// file's bytes.
func (s *session) writeEntry(tw *tar.Writer, p, name string, fi os.FileInfo) error {
	hdr := &tar.Header{
		Name:    name,
		Mode:    int64(fi.Mode().Perm()),
		ModTime: fi.ModTime().UTC(),
		Format:  tar.FormatPAX,
	}
	if hf, ok := fi.(*hdfs.FileInfo); ok {
		hdr.Uname, hdr.Gname = hf.Owner(), hf.OwnerGroup()
	}
	if fi.IsDir() {
		hdr.Typeflag, hdr.Name = tar.TypeDir, name+"/"
		if err := tw.WriteHeader(hdr); err != nil {
			return &writeError{err}
		}
		return nil
	}
	hdr.Typeflag, hdr.Size = tar.TypeReg, fi.Size()
	if err := tw.WriteHeader(hdr); err != nil {
		return &writeError{err}
	}
	if err := s.copyFile(tw, p, 0, fi.Size()); err != nil {
		return fmt.Errorf("%s: %w", p, err)
	}
	return nil
}
