package writeback

import (
	"os"

	"golang.org/x/sys/unix"
)

// Start asks the kernel to begin writing [off, off+n) of f to disk without
// waiting (sync_file_range with SYNC_FILE_RANGE_WRITE). A failure is
// harmless, since an fsync follows, so none is returned.
func Start(f *os.File, off, n int64) {
	_ = unix.SyncFileRange(int(f.Fd()), off, n, unix.SYNC_FILE_RANGE_WRITE)
}
