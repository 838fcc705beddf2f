package staging

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
)

// flight is one fetch in progress, shared by every Stage call for its URI.
type flight struct {
	want    string // the starting caller's checksum digest, or ""
	done    chan struct{}
	cancel  context.CancelFunc
	waiters int // guarded by Store.mu

	// Set before done is closed.
	ent entry
	err error
}

// Stage makes sure the bytes uri names are in the store and returns their blob.
//
// A URI this store has staged before (in this run or, through index.json, an
// earlier one) returns at once without fetching. Otherwise fetch is called to
// write the bytes to a temporary file; concurrent calls for the same URI share
// one fetch and its outcome. If ctx ends first, Stage returns ctx.Err()
// without cancelling the fetch, unless no other caller is still waiting for it.
//
// checksum is "sha256:<hex>" or empty. When the staged digest differs, the
// error wraps ErrChecksum and names the URI and both digests; bytes fetched
// for a call whose checksum failed are not kept. A malformed checksum fails
// with ErrBadChecksum before anything is fetched. Callers sharing a fetch
// each check their own checksum against its digest; the fetched bytes are
// kept when they pass the checksum of the caller that started the fetch.
// Bytes whose size or digest differ from what fetch reported are discarded
// with ErrCorrupt. Every error names the URI (with any password redacted).
func (s *Store) Stage(ctx context.Context, uri string, checksum string, fetch FetchFunc) (Blob, error) {
	want, err := parseChecksum(checksum)
	if err != nil {
		return Blob{}, fmt.Errorf("staging %s: %w", redact(uri), err)
	}
	key := redact(uri)
	name := baseName(uri)

	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return Blob{}, fmt.Errorf("staging %s: %w", key, ErrClosed)
	}
	if ent, ok := s.index[key]; ok {
		s.mu.Unlock()
		s.touch(ent.Digest)
		return s.blob(key, name, want, ent)
	}
	f, ok := s.flights[key]
	if !ok {
		f = s.startLocked(key, want, fetch)
	}
	f.waiters++
	s.mu.Unlock()

	select {
	case <-f.done:
		if f.err != nil {
			return Blob{}, f.err
		}
		return s.blob(key, name, want, f.ent)
	case <-ctx.Done():
		s.leave(key, f)
		return Blob{}, fmt.Errorf("staging %s: %w", key, ctx.Err())
	}
}

// blob checks a staged entry against the caller's checksum and describes it.
func (s *Store) blob(key, name, want string, ent entry) (Blob, error) {
	if want != "" && want != ent.Digest {
		return Blob{}, checksumError(key, want, ent.Digest)
	}
	return Blob{Digest: ent.Digest, Size: ent.Size, Path: s.blobPath(ent.Digest), Name: name}, nil
}

// startLocked starts the fetch for key. s.mu must be held.
func (s *Store) startLocked(key, want string, fetch FetchFunc) *flight {
	ctx, cancel := context.WithCancel(s.ctx)
	f := &flight{want: want, done: make(chan struct{}), cancel: cancel}
	s.flights[key] = f
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		defer cancel()
		ent, err := s.run(ctx, key, want, fetch)
		s.mu.Lock()
		if s.flights[key] == f {
			delete(s.flights, key)
		}
		if err == nil {
			s.index[key] = ent
		}
		s.mu.Unlock()
		if err == nil {
			if perr := s.persist(); perr != nil {
				// The blob is staged and usable now; only a restart loses it.
				s.log.Warn("staging: saving index", "err", perr)
			}
		}
		f.ent, f.err = ent, err
		close(f.done)
	}()
	return f
}

// leave drops one waiter from f; the last one to go cancels the fetch and
// forgets it, so a later Stage for the URI starts afresh.
func (s *Store) leave(key string, f *flight) {
	s.mu.Lock()
	defer s.mu.Unlock()
	f.waiters--
	if f.waiters == 0 {
		f.cancel()
		if s.flights[key] == f {
			delete(s.flights, key)
		}
	}
}

// run fetches key into a temp file, verifies it and moves it into place.
func (s *Store) run(ctx context.Context, key, want string, fetch FetchFunc) (ent entry, err error) {
	tmp, err := os.CreateTemp(s.tmp, "fetch-*")
	if err != nil {
		return entry{}, fmt.Errorf("staging %s: creating temp file: %w", key, err)
	}
	dest := tmp.Name()
	tmp.Close()
	defer func() {
		if err != nil {
			os.Remove(dest)
		}
	}()

	size, reported, err := safeFetch(ctx, dest, fetch)
	if err != nil {
		return entry{}, fmt.Errorf("staging %s: %w", key, err)
	}
	actual, actualSize, err := hashAndSync(dest)
	if err != nil {
		return entry{}, fmt.Errorf("staging %s: verifying fetched file: %w", key, err)
	}
	if actualSize != size || (reported != "" && reported != actual) {
		return entry{}, fmt.Errorf("staging %s: %w: fetcher said %d bytes sha256:%s, wrote %d bytes sha256:%s",
			key, ErrCorrupt, size, reported, actualSize, actual)
	}
	if want != "" && want != actual {
		return entry{}, checksumError(key, want, actual)
	}
	if err := s.makeRoom(actualSize); err != nil {
		return entry{}, fmt.Errorf("staging %s: %w", key, err)
	}
	if err := s.commit(dest, actual); err != nil {
		return entry{}, fmt.Errorf("staging %s: %w", key, err)
	}
	return entry{Digest: actual, Size: actualSize}, nil
}

// safeFetch calls fetch, turning a panic into an error so waiters never hang.
func safeFetch(ctx context.Context, dest string, fetch FetchFunc) (size int64, digest string, err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("fetcher panicked: %v", r)
		}
	}()
	size, digest, err = fetch(ctx, dest)
	if err == nil && ctx.Err() != nil {
		err = ctx.Err()
	}
	return size, digest, err
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

// commit moves the verified temp file to its content address. When the blob
// is already there (another URI with the same bytes), the copy is dropped.
func (s *Store) commit(tmp, digest string) error {
	final := s.blobPath(digest)
	if _, err := os.Stat(final); err == nil {
		os.Remove(tmp)
		return nil
	} else if !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("checking blob %s: %w", digest, err)
	}
	if err := os.Chmod(tmp, 0o444); err != nil {
		return fmt.Errorf("sealing blob %s: %w", digest, err)
	}
	if err := os.Rename(tmp, final); err != nil {
		return fmt.Errorf("storing blob %s: %w", digest, err)
	}
	return syncDir(filepath.Dir(final))
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
