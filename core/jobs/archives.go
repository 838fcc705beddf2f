package jobs

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"time"

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
	// retryWait replaces archiveRetryWait when set (tests).
	retryWait time.Duration
}

type archiveCheck struct {
	mu   sync.Mutex
	done bool  // err is a verdict about the archive
	err  error // nil: it passed
	wait time.Duration
}

// Checking an archive is retried this many times in all when the plugin
// fails for a reason of its own (it crashed, timed out, was unavailable),
// waiting archiveRetryWait and then twice as long before each retry.
const (
	archiveTries     = 3
	archiveRetryWait = 200 * time.Millisecond
)

// checkArchive applies the extractor plugin's rules (paths, links, sizes,
// entry count) to a staged archive the agents will extract, before any task
// launches: a hostile or broken archive fails the job here, not on every
// agent. A name that no plugin extracts passes: agents do not extract it.
//
// Only verdicts about the archive are remembered for the run: it passed,
// or the plugin refused it (fetcher.ErrUnsafeArchive, or ErrUnsupported
// for its format). Any other failure is the plugin's, not the archive's:
// it is retried (archiveTries in all), and a later call checks anew.
func (r *Runner) checkArchive(ctx context.Context, blob staging.Blob, name string) error {
	key := blob.Digest + "/" + name
	r.archives.mu.Lock()
	if r.archives.checked == nil {
		r.archives.checked = map[string]*archiveCheck{}
	}
	c := r.archives.checked[key]
	if c == nil {
		c = &archiveCheck{wait: r.archives.retryWait}
		if c.wait == 0 {
			c.wait = archiveRetryWait
		}
		r.archives.checked[key] = c
	}
	r.archives.mu.Unlock()

	c.mu.Lock() // one check of an archive at a time; the others wait for its verdict
	defer c.mu.Unlock()
	if c.done {
		return c.err
	}
	wait := c.wait
	for try := 1; ; try++ {
		err := r.checkArchiveOnce(ctx, blob, name)
		if archiveVerdict(err) {
			c.done, c.err = true, err
			return err
		}
		if try == archiveTries || ctx.Err() != nil {
			return err
		}
		r.cfg.Log.Info("checking archive failed, retrying", "archive", name, "try", try, "retry_in", wait, "error", err)
		select {
		case <-ctx.Done():
			return err
		case <-time.After(wait):
		}
		wait *= 2
	}
}

// checkArchiveOnce asks the plugins once for name's format and, if it is
// an archive, for their verdict on it.
func (r *Runner) checkArchiveOnce(ctx context.Context, blob staging.Blob, name string) error {
	format, ok, err := r.cfg.Plugins.ArchiveFormat(ctx, name)
	switch {
	case err != nil:
		return fmt.Errorf("archive %s: %w", name, err)
	case ok:
		return r.extract(ctx, blob, name, format, "")
	}
	return nil
}

// archiveVerdict tells whether err (nil included) is a judgement about the
// archive itself, which checking again would only repeat.
func archiveVerdict(err error) bool {
	return err == nil || errors.Is(err, fetcher.ErrUnsafeArchive) || errors.Is(err, fetcher.ErrUnsupported)
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
