package fetch

import (
	"context"

	"github.com/batchd/batchd/internal/archive"
)

// ErrUnsafePath is matched by the error of an archive entry that breaks an
// extraction rule: it would land outside the sandbox (a ".." or absolute
// name, a link pointing out, a file written through a symlink), is a device,
// or exceeds a size or count limit. The error names the entry and the rule.
var ErrUnsafePath = archive.ErrUnsafe

// isArchive reports whether the Mesos fetcher would extract a file of this
// name: .tar, .tar.gz/.tgz, .tar.bz2/.tbz2, .tar.xz/.txz, .tar.zst/.tzst,
// .zip or a plain .gz.
//
// The embedded agents extract only these built-in formats (internal/archive's
// list), as real Mesos agents extract only their own: localcluster imports
// nothing of batchd, so it cannot ask batchd's fetcher plugins. A format only
// a third-party extractor plugin knows is checked by that plugin when batchd
// stages it, and reaches the sandbox as the file itself.
func isArchive(name string) bool {
	_, ok := archive.FormatOf(name)
	return ok
}

// Extract unpacks the archive file into dir under internal/archive's rules
// and default limits, the format following the file's name. A broken rule
// fails the whole extraction with an error matching ErrUnsafePath.
func Extract(file, dir string) error {
	_, err := archive.Extract(context.Background(), file, dir, archive.Limits{})
	return err
}

// extract is Extract for a fetch: bounded by ctx and the Fetcher's limits.
func (f *Fetcher) extract(ctx context.Context, file, dir string) error {
	_, err := archive.Extract(ctx, file, dir, f.limits)
	return err
}
