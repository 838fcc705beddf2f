package jobs

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sync"

	"github.com/batchd/batchd/core/staging"
	"github.com/batchd/batchd/plugins/fetcher"
)

// archives remembers which staged archives passed their extractor plugin's
// rules, so an archive that 10,000 tasks fetch is checked once. Which names
// are archives, and of which format, is the plugins' say (Info.Formats,
// through Plugins.ArchiveFormat), not a list of batchd's: a third-party
// extractor's formats are checked and extracted like the built-in ones.
type archives struct {
	mu      sync.Mutex
	checked map[string]*archiveCheck // digest + name -> verdict
}

type archiveCheck struct {
	once sync.Once
	err  error
}

// checkArchive applies the extractor plugin's rules (paths, links, sizes,
// entry count) to a staged archive the agents will extract, before any task
// launches: a hostile or broken archive fails the job here, not on every
// agent. A name that no plugin extracts passes: agents do not extract it.
func (r *Runner) checkArchive(ctx context.Context, blob staging.Blob, name string) error {
	key := blob.Digest + "/" + name
	r.archives.mu.Lock()
	if r.archives.checked == nil {
		r.archives.checked = map[string]*archiveCheck{}
	}
	c := r.archives.checked[key]
	if c == nil {
		c = &archiveCheck{}
		r.archives.checked[key] = c
	}
	r.archives.mu.Unlock()
	c.once.Do(func() {
		format, ok, err := r.cfg.Plugins.ArchiveFormat(ctx, name)
		switch {
		case err != nil:
			c.err = fmt.Errorf("archive %s: %w", name, err)
		case ok:
			c.err = r.extract(ctx, blob, name, format, "")
		}
	})
	return c.err
}

// extract unpacks (dest set) or checks (dest empty) a staged archive through
// the plugin that extracts its format.
func (r *Runner) extract(ctx context.Context, blob staging.Blob, name, format, dest string) error {
	x, err := r.cfg.Plugins.ExtractorFor(ctx, format)
	if err != nil {
		return fmt.Errorf("archive %s: %w", name, err)
	}
	if _, err := x.Extract(ctx, fetcher.ExtractRequest{Archive: blob.Path, Name: name, Format: format, Dest: dest}); err != nil {
		return fmt.Errorf("archive %s: %w", name, err)
	}
	return nil
}

// extractInput unpacks a staged archive given as a workload input into a
// folder of its own under InputDir, once per digest, and returns the folder.
func (r *Runner) extractInput(ctx context.Context, blob staging.Blob, name string) (string, bool, error) {
	format, ok, err := r.cfg.Plugins.ArchiveFormat(ctx, name)
	if err != nil {
		return "", false, fmt.Errorf("archive %s: %w", name, err)
	}
	if !ok {
		return "", false, nil
	}
	dir := filepath.Join(r.cfg.InputDir, blob.Digest)
	if _, err := os.Stat(filepath.Join(dir, ".complete")); err == nil {
		return filepath.Join(dir, "files"), true, nil
	}
	if err := os.MkdirAll(r.cfg.InputDir, 0o755); err != nil {
		return "", true, fmt.Errorf("archive %s: %w", name, err)
	}
	tmp, err := os.MkdirTemp(r.cfg.InputDir, ".extracting-")
	if err == nil {
		err = os.MkdirAll(filepath.Join(tmp, "files"), 0o755)
	}
	if err != nil {
		return "", true, fmt.Errorf("archive %s: making a folder to extract into: %w", name, err)
	}
	if err := r.extract(ctx, blob, name, format, filepath.Join(tmp, "files")); err != nil {
		os.RemoveAll(tmp)
		return "", true, err
	}
	if err := os.WriteFile(filepath.Join(tmp, ".complete"), nil, 0o644); err != nil {
		os.RemoveAll(tmp)
		return "", true, err
	}
	if err := os.Rename(tmp, dir); err != nil {
		os.RemoveAll(tmp) // another job extracted it first
		if _, serr := os.Stat(filepath.Join(dir, ".complete")); serr != nil {
			return "", true, fmt.Errorf("archive %s: %w", name, err)
		}
	}
	return filepath.Join(dir, "files"), true, nil
}
