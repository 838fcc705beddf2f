package hdfstest

import (
	"errors"
	"io/fs"
	"testing"
	"time"

	"github.com/colinmarc/hdfs/v2"
)

// TestVersions checks what the real client sees of a file's version as a
// test changes it: the length, the modification time to the millisecond
// (SetModTime) and the inode id (fileId), which a Put over the file
// renews as an HDFS create with overwrite does; and that BlockReads
// counts the datanodes' block reads, not the namenode's answers.
func TestVersions(t *testing.T) {
	c := Start(t, Options{BlockSize: 1000})
	cl := client(t, c.Addr())
	mtime := time.Date(2024, 2, 29, 12, 0, 0, 123456789, time.UTC)
	steps := []struct {
		name       string
		change     func() error
		read       bool // read the file after the change
		wantLen    int64
		wantMtime  time.Time // zero: any
		newID      bool      // the fileId differs from the previous step's
		wantBlocks int64     // block reads by the step
	}{
		{"put", func() error { return c.Put("/v/f", make([]byte, 2500), 0o644) }, true, 2500, time.Time{}, true, 3},
		{"set mtime", func() error { return c.SetModTime("/v/f", mtime) }, false, 2500, mtime.Truncate(time.Millisecond), false, 0},
		{"put over", func() error { return c.Put("/v/f", make([]byte, 10), 0o644) }, true, 10, time.Time{}, true, 1},
		{"mtime set back", func() error { return c.SetModTime("/v/f", mtime) }, false, 10, mtime.Truncate(time.Millisecond), false, 0},
	}
	var lastID uint64
	for _, s := range steps {
		if err := s.change(); err != nil {
			t.Fatalf("%s: %v", s.name, err)
		}
		before := c.BlockReads()
		if s.read {
			if _, err := cl.ReadFile("/v/f"); err != nil {
				t.Fatalf("%s: %v", s.name, err)
			}
		}
		fi, err := cl.Stat("/v/f")
		if err != nil {
			t.Fatalf("%s: %v", s.name, err)
		}
		id := fi.Sys().(*hdfs.FileStatus).GetFileId()
		if fi.Size() != s.wantLen || !s.wantMtime.IsZero() && !fi.ModTime().Equal(s.wantMtime) {
			t.Errorf("%s: length %d, mtime %s; want %d, %s", s.name, fi.Size(), fi.ModTime().UTC(), s.wantLen, s.wantMtime)
		}
		if (id != lastID) != s.newID || id == 0 {
			t.Errorf("%s: fileId %d after %d; want a new one: %v", s.name, id, lastID, s.newID)
		}
		if got := c.BlockReads() - before; got != s.wantBlocks {
			t.Errorf("%s: %d block reads, want %d", s.name, got, s.wantBlocks)
		}
		lastID = id
	}
	if err := c.SetModTime("/v/none", mtime); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("SetModTime of a missing file: %v, want fs.ErrNotExist", err)
	}
}
