// Package staging is batchd's content-addressed staging store and the
// read-only HTTP server that hands its blobs to Mesos agents.
//
// A Store keeps every artifact it stages under dir/blobs/sha256/<hex>, named
// by the SHA-256 of the bytes on disk. It remembers which URI produced which
// blob (in memory and in dir/index.json), so an artifact that 10,000 tasks
// use is fetched once, and concurrent requests for one URI share one fetch.
// Handler serves the blobs by digest at /artifacts/<hex>/<name>.
package staging

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"sync"
)

// Sentinel errors, compared with errors.Is.
var (
	// ErrChecksum means the staged bytes do not match the checksum the caller asked for.
	ErrChecksum = errors.New("staging: checksum mismatch")
	// ErrBadChecksum means a checksum is not of the form "sha256:<64 hex digits>".
	ErrBadChecksum = errors.New("staging: malformed checksum")
	// ErrCorrupt means a fetcher reported a size or digest other than what it wrote.
	ErrCorrupt = errors.New("staging: fetcher reported wrong size or digest")
	// ErrClosed means the Store has been closed.
	ErrClosed = errors.New("staging: store closed")
)

// FetchFunc copies one URI's bytes to dest, a file path inside the store's
// temporary folder that the caller owns and whose parent exists. It returns
// the size and lower-case hex SHA-256 of what it wrote (the digest may be
// empty when the fetcher does not compute one). The store checks both
// against the bytes on disk. It must honour ctx.
type FetchFunc func(ctx context.Context, dest string) (size int64, sha256hex string, err error)

// Blob is one staged artifact.
type Blob struct {
	// Digest is the lower-case hex SHA-256 of the blob's bytes.
	Digest string
	// Size is the blob's length in bytes.
	Size int64
	// Path is the blob's file in the store. It is read-only: never write it.
	Path string
	// Name is the base name of the URI's path, used as the served file name.
	Name string
}

// Options tunes a Store. The zero value is valid.
type Options struct {
	// Logger receives warnings (an unreadable index entry, a leftover temp
	// file that could not be removed). Nil discards them.
	Logger *slog.Logger
}

// Store is a content-addressed staging folder. Its methods are safe for
// concurrent use. The owner calls Close when done; Close cancels fetches
// still in flight and waits for them.
type Store struct {
	dir   string
	blobs string // dir/blobs/sha256
	tmp   string // dir/tmp
	log   *slog.Logger

	ctx    context.Context // parent of every fetch; cancelled by Close
	cancel context.CancelFunc
	wg     sync.WaitGroup // one per fetch goroutine

	mu      sync.Mutex
	index   map[string]entry   // index key (redacted URI) -> blob
	flights map[string]*flight // index key -> fetch in progress
	closed  bool

	persistMu sync.Mutex // serialises index.json writes
}

// entry is what the index knows of a staged URI.
type entry struct {
	Digest string `json:"digest"`
	Size   int64  `json:"size"`
}

// Open opens (creating it if needed) the store in dir and loads its index.
// Leftover temporary files from an earlier run are removed, and index
// entries whose blob has gone are dropped.
func Open(dir string, opts Options) (*Store, error) {
	log := opts.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	s := &Store{
		dir:     dir,
		blobs:   filepath.Join(dir, "blobs", "sha256"),
		tmp:     filepath.Join(dir, "tmp"),
		log:     log,
		flights: make(map[string]*flight),
	}
	for _, d := range []string{s.blobs, s.tmp} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			return nil, fmt.Errorf("opening staging store %s: %w", dir, err)
		}
	}
	if err := s.clearTmp(); err != nil {
		return nil, fmt.Errorf("opening staging store %s: %w", dir, err)
	}
	idx, err := s.loadIndex()
	if err != nil {
		return nil, fmt.Errorf("opening staging store %s: %w", dir, err)
	}
	s.index = idx
	s.ctx, s.cancel = context.WithCancel(context.Background())
	return s, nil
}

// Close cancels the fetches in flight, waits for them to end, and makes
// later Stage calls fail with ErrClosed. The Handler keeps serving blobs
// already staged. Close is idempotent.
func (s *Store) Close() error {
	s.mu.Lock()
	s.closed = true
	s.mu.Unlock()
	s.cancel()
	s.wg.Wait()
	return nil
}

// Dir returns the store's folder.
func (s *Store) Dir() string { return s.dir }

// blobPath is where the blob with the given hex digest lives.
func (s *Store) blobPath(digest string) string { return filepath.Join(s.blobs, digest) }

// clearTmp removes what an interrupted run left in the temp folder.
func (s *Store) clearTmp() error {
	ents, err := os.ReadDir(s.tmp)
	if err != nil {
		return fmt.Errorf("listing %s: %w", s.tmp, err)
	}
	for _, e := range ents {
		p := filepath.Join(s.tmp, e.Name())
		if err := os.RemoveAll(p); err != nil {
			s.log.Warn("staging: removing leftover temp file", "path", p, "err", err)
		}
	}
	return nil
}
