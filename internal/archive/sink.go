package archive

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"strings"
)

// sink creates what the extractor decided to create. Every path is clean,
// relative, and has passed the rules; entry is the archive's name for it,
// for errors.
type sink interface {
	dir(entry, rel string) error
	create(entry, rel string, perm fs.FileMode) (io.WriteCloser, error)
	symlink(entry, target, rel string) error
	link(entry, oldRel, rel string) error
	// remove deletes what was made at rel, if anything, after an error.
	remove(rel string)
}

// checkSink writes nothing, for Check.
type checkSink struct{}

func (checkSink) dir(string, string) error { return nil }
func (checkSink) create(string, string, fs.FileMode) (io.WriteCloser, error) {
	return nopCloser{io.Discard}, nil
}
func (checkSink) symlink(string, string, string) error { return nil }
func (checkSink) link(string, string, string) error    { return nil }
func (checkSink) remove(string)                        {}

type nopCloser struct{ io.Writer }

func (nopCloser) Close() error { return nil }

// diskSink writes into a folder through an os.Root, so even a path the
// rules missed cannot resolve outside it. It follows no symlink already in
// the folder: parent folders are checked with Lstat and a leaf in the way
// is removed, not opened.
type diskSink struct {
	root *os.Root
	dirs map[string]bool // folders known to be real folders
}

// ensureDir makes rel and its parents folders (0755), refusing a symlink
// or a non-folder in the way.
func (d *diskSink) ensureDir(entry, rel string) error {
	if rel == "" || d.dirs[rel] {
		return nil
	}
	if i := strings.LastIndexByte(rel, '/'); i >= 0 {
		if err := d.ensureDir(entry, rel[:i]); err != nil {
			return err
		}
	}
	fi, err := d.root.Lstat(rel)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		if err := d.root.Mkdir(rel, 0o755); err != nil {
			return fmt.Errorf("entry %q: %w", entry, err)
		}
		if err := d.root.Chmod(rel, 0o755); err != nil {
			return fmt.Errorf("entry %q: %w", entry, err)
		}
	case err != nil:
		return fmt.Errorf("entry %q: %w", entry, err)
	case fi.Mode()&fs.ModeSymlink != 0:
		return broke(entry, RuleThroughSymlink, "%q is a symlink already in the target folder", rel)
	case !fi.IsDir():
		return broke(entry, RuleConflict, "%q exists and is not a folder", rel)
	}
	d.dirs[rel] = true
	return nil
}

// clear prepares rel for a new file or link: its parent is made, and a
// file or symlink already there is removed (never followed).
func (d *diskSink) clear(entry, rel string) error {
	if i := strings.LastIndexByte(rel, '/'); i >= 0 {
		if err := d.ensureDir(entry, rel[:i]); err != nil {
			return err
		}
	}
	fi, err := d.root.Lstat(rel)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return nil
	case err != nil:
		return fmt.Errorf("entry %q: %w", entry, err)
	case fi.IsDir():
		return broke(entry, RuleConflict, "a folder exists at %q", rel)
	}
	if err := d.root.Remove(rel); err != nil {
		return fmt.Errorf("entry %q: replacing the existing file: %w", entry, err)
	}
	return nil
}

func (d *diskSink) dir(entry, rel string) error { return d.ensureDir(entry, rel) }

func (d *diskSink) create(entry, rel string, perm fs.FileMode) (io.WriteCloser, error) {
	if err := d.clear(entry, rel); err != nil {
		return nil, err
	}
	f, err := d.root.OpenFile(rel, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return nil, fmt.Errorf("entry %q: %w", entry, err)
	}
	return &diskFile{File: f, perm: perm}, nil
}

func (d *diskSink) symlink(entry, target, rel string) error {
	if err := d.clear(entry, rel); err != nil {
		return err
	}
	if err := d.root.Symlink(target, rel); err != nil {
		return fmt.Errorf("entry %q: %w", entry, err)
	}
	return nil
}

func (d *diskSink) link(entry, oldRel, rel string) error {
	if err := d.clear(entry, rel); err != nil {
		return err
	}
	if err := d.root.Link(oldRel, rel); err != nil {
		return fmt.Errorf("entry %q: %w", entry, err)
	}
	return nil
}

func (d *diskSink) remove(rel string) {
	if fi, err := d.root.Lstat(rel); err == nil && !fi.IsDir() {
		_ = d.root.Remove(rel)
	}
}

// diskFile sets its final mode when closed.
type diskFile struct {
	*os.File
	perm fs.FileMode
}

func (f *diskFile) Close() error {
	err := f.Chmod(f.perm)
	if cerr := f.File.Close(); err == nil {
		err = cerr
	}
	return err
}
