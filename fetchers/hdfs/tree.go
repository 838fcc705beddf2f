package hdfsfetch

import (
	"archive/tar"
	"fmt"
	"io"
	"os"
	"path"

	"github.com/colinmarc/hdfs/v2"
)

// writeTree writes the directory root and everything under it to w as a
// tar stream rooted at root's base name, in name order.
func (s *session) writeTree(w io.Writer, root string) error {
	base := path.Base(root)
	if base == "/" {
		base = "root"
	}
	info, err := s.client.Stat(root)
	if err != nil {
		return classify(err)
	}
	tw := tar.NewWriter(w)
	if err := s.writeEntry(tw, root, base, info); err != nil {
		return err
	}
	return tw.Close()
}

// writeEntry writes one file, or a directory and its contents.
func (s *session) writeEntry(tw *tar.Writer, p, name string, fi os.FileInfo) error {
	if err := s.ctx.Err(); err != nil {
		return err
	}
	hdr := &tar.Header{
		Name:    name,
		Mode:    int64(fi.Mode().Perm()),
		ModTime: fi.ModTime().UTC(),
		Format:  tar.FormatPAX,
	}
	if hf, ok := fi.(*hdfs.FileInfo); ok {
		hdr.Uname, hdr.Gname = hf.Owner(), hf.OwnerGroup()
	}
	if !fi.IsDir() {
		hdr.Typeflag, hdr.Size = tar.TypeReg, fi.Size()
		if err := tw.WriteHeader(hdr); err != nil {
			return &writeError{err}
		}
		if err := s.copyFile(tw, p, 0, fi.Size()); err != nil {
			return fmt.Errorf("%s: %w", p, err)
		}
		return nil
	}
	hdr.Typeflag, hdr.Name = tar.TypeDir, name+"/"
	if err := tw.WriteHeader(hdr); err != nil {
		return &writeError{err}
	}
	children, err := s.client.ReadDir(p)
	if err != nil {
		return fmt.Errorf("listing %s: %w", p, classify(err))
	}
	for _, c := range children {
		if err := s.writeEntry(tw, path.Join(p, c.Name()), name+"/"+c.Name(), c); err != nil {
			return err
		}
	}
	return nil
}
