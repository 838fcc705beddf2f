package fetch

import (
	"errors"
	"io"
	"io/fs"
	"os"
	"syscall"
	"time"
)

// stamp is what the cache knows of a sealed file: who it is, how big, and
// the mtime and mode it was given. A task writing to or chmod'ing its link
// changes one of them. (Not ctime: every link and unlink moves it.)
type stamp struct {
	dev, ino uint64
	size     int64
	mtime    int64 // ns
	mode     fs.FileMode
}

func stampOf(fi fs.FileInfo) stamp {
	s := stamp{size: fi.Size(), mtime: fi.ModTime().UnixNano(), mode: fi.Mode()}
	if st, ok := fi.Sys().(*syscall.Stat_t); ok {
		s.dev, s.ino = uint64(st.Dev), st.Ino
	}
	return s
}

// matches reports whether file is still the sealed file of this stamp.
func (s stamp) matches(file string) bool {
	fi, err := os.Lstat(file)
	return err == nil && stampOf(fi) == s
}

// seal makes a freshly downloaded file read-only (0444, 0555 when
// executable) and dates it sealedAge back, and returns its stamp. The
// caller then renames it into the cache: from here on it is never opened
// for writing, so exec'ing a link to it never fails with ETXTBSY.
func seal(file string, exec bool) (stamp, error) {
	if exec {
		// The download's descriptor is closed, but a child forked
		// meanwhile may hold it until its exec.
		waitForks()
	}
	if err := os.Chmod(file, modeOf(exec)); err != nil {
		return stamp{}, err
	}
	t := time.Now().Add(-sealedAge).Truncate(time.Second)
	if err := os.Chtimes(file, t, t); err != nil {
		return stamp{}, err
	}
	fi, err := os.Lstat(file)
	if err != nil {
		return stamp{}, err
	}
	return stampOf(fi), nil
}

// sealedAge is how far in the past a sealed file's mtime is set: any
// write by a task then moves it to now, whatever the file system's
// timestamp granularity, so stamp.matches sees it.
const sealedAge = time.Hour

// modeOf is the mode of a cached file.
func modeOf(exec bool) fs.FileMode {
	if exec {
		return 0o555
	}
	return 0o444
}

// place puts the cached file at dst: a hard link, sharing the read-only
// file, or a copy with the same mode when the sandbox is on another file
// system or the file system refuses the link (linkRefused).
func (c *cache) place(file, dst string, exec bool) error {
	err := c.link(file, dst)
	if err == nil {
		c.linked.Add(1)
		return nil
	}
	if !linkRefused(err) {
		return err
	}
	n, err := copyFile(file, dst, modeOf(exec))
	if err != nil {
		return err
	}
	c.copied.Add(1)
	c.copiedBytes.Add(n)
	return nil
}

// linkRefused reports whether a hard link failed for a reason a copy gets
// round: another file system (EXDEV), links not permitted or supported
// (EPERM, ENOTSUP), or the file's link count at its maximum (EMLINK).
func linkRefused(err error) bool {
	for _, e := range []syscall.Errno{syscall.EXDEV, syscall.EPERM, syscall.ENOTSUP, syscall.EMLINK} {
		if errors.Is(err, e) {
			return true
		}
	}
	return false
}

// copyFile copies src to the new file dst with mode perm and returns the
// bytes copied (io.Copy uses copy_file_range between files on Linux).
func copyFile(src, dst string, perm fs.FileMode) (int64, error) {
	in, err := os.Open(src)
	if err != nil {
		return 0, err
	}
	defer in.Close()
	out, err := os.OpenFile(dst, os.O_CREATE|os.O_EXCL|os.O_WRONLY, perm)
	if err != nil {
		return 0, err
	}
	n, err := io.Copy(out, in)
	if cerr := out.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(dst)
		return 0, err
	}
	if perm&0o111 != 0 {
		waitForks()
	}
	return n, nil
}

// waitForks returns once no fork of this process is in flight. Go's
// os/exec on Linux forks with CLONE_VFORK while it holds syscall.ForkLock
// for writing, so the lock is released only after the child has exec'd
// and dropped the (close-on-exec) descriptors it inherited. Called after
// the last write descriptor of a file to be exec'd is closed, it ensures no
// child still holds one, which would make exec fail with ETXTBSY.
func waitForks() {
	syscall.ForkLock.RLock()
	syscall.ForkLock.RUnlock()
}
