package staging

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"os"
)

// safeFetch calls fetch, turning a panic into an error so waiters never hang.
func safeFetch(ctx context.Context, t Target, fetch func(context.Context, Target) (Fetched, error)) (got Fetched, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("fetcher panicked: %v", r)
		}
	}()
	got, err = fetch(ctx, t)
	if err == nil && ctx.Err() != nil {
		err = ctx.Err()
	}
	return got, err
}

// safeStat calls stat like safeFetch calls a fetch.
func safeStat(ctx context.Context, stat func(context.Context, string) (string, error), validator string) (v string, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("stat panicked: %v", r)
		}
	}()
	return stat(ctx, validator)
}

// hashAndSync returns the SHA-256 and size of the file at p and fsyncs it.
func hashAndSync(p string) (string, int64, error) {
	f, err := os.OpenFile(p, os.O_RDWR, 0)
	if err != nil {
		return "", 0, err
	}
	defer f.Close()
	h := sha256.New()
	n, err := io.Copy(h, f)
	if err != nil {
		return "", 0, err
	}
	if err := f.Sync(); err != nil {
		return "", 0, err
	}
	return hex.EncodeToString(h.Sum(nil)), n, nil
}

// commit moves the verified temp file to its content address, evicting
// least recently used blobs first when the store is bounded, and holds the
// blob once for the fetch. When the blob is already stored (another URI
// with the same bytes), the copy is dropped.
func (s *Store) commit(tmp, digest string, size int64) error {
	if err := os.Chmod(tmp, 0o444); err != nil {
		return fmt.Errorf("sealing blob %s: %w", digest, err)
	}
	s.mu.Lock()
	if _, ok := s.stored[digest]; ok {
		s.holdLocked(digest)
		s.mu.Unlock()
		os.Remove(tmp)
		return nil
	}
	evicted, err := s.makeRoomLocked(size)
	if err != nil {
		s.mu.Unlock()
		return err
	}
	if err := os.Rename(tmp, s.blobPath(digest)); err != nil {
		s.mu.Unlock()
		if evicted {
			s.saveIndex()
		}
		return fmt.Errorf("storing blob %s: %w", digest, err)
	}
	s.stored[digest] = &stored{size: size}
	s.used += size
	s.holdLocked(digest)
	s.mu.Unlock()
	if err := syncDir(s.blobs); err != nil {
		// The blob is stored and served; only a crash could lose it.
		s.log.Warn("staging: syncing blob folder", "err", err)
	}
	return nil
}

// syncDir fsyncs a folder so a rename into it survives a crash.
func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return fmt.Errorf("syncing %s: %w", dir, err)
	}
	defer d.Close()
	if err := d.Sync(); err != nil {
		return fmt.Errorf("syncing %s: %w", dir, err)
	}
	return nil
}
