// Package staging is batchd's content-addressed staging store and the
// read-only HTTP server that hands its blobs to Mesos agents.
//
// A Store keeps every artifact it stages under dir/blobs/sha256/<hex>, named
// by the SHA-256 of the bytes on disk. It remembers which source produced
// which blob, and which version of the source it was (a validator: an ETag,
// a file's mtime and inode...), in memory and in dir/index.json. So an
// artifact that 10,000 tasks use is fetched once, concurrent requests for
// one URI share one fetch, and a later run asks the source whether it
// changed before reusing the copy (StageSource).
// Handler serves the blobs by digest at /artifacts/<token>/<hex>/<name>.
//
// Options.MaxBytes bounds the store: least recently used blobs are evicted
// to make room, except those a Lease holds (a running job's artifacts) or
// the Handler is serving (evict.go). StageFor reports fetch progress and
// lets a fetcher resume an interrupted fetch (progress.go, partial.go).
package staging

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"sync"
	"time"
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
	// ErrFull means a blob cannot fit under Options.MaxBytes even after
	// evicting every blob no lease or download holds.
	ErrFull = errors.New("staging: store full")
	// ErrReleased means StageFor was given a released lease (or one of
	// another store).
	ErrReleased = errors.New("staging: lease released")
)

// FetchFunc copies one URI's bytes to dest, a file path inside the store's
// temporary folder that the caller owns and whose parent exists. It returns
// the size and lower-case hex SHA-256 of what it wrote (the digest may be
// empty when the fetcher does not compute one). The store checks both
// against the bytes on disk. It must honour ctx.
type FetchFunc func(ctx context.Context, dest string) (size int64, sha256hex string, err error)

// Target is the file a FetchToFunc writes.
type Target struct {
	// Dest is the file to write, inside the store's temporary folder. It
	// exists and holds Offset bytes.
	Dest string
	// Offset is how many bytes of an earlier, interrupted fetch of the same
	// URI Dest already holds; 0 for a fresh fetch. A fetcher that can resume
	// (HTTP Range, FTP REST) appends from Offset; any other overwrites Dest
	// from the start (O_TRUNC). Either way the size and digest it returns
	// describe the whole file, and the store checks them against the disk.
	Offset int64
	// Progress reports how many bytes Dest holds so far (counting Offset)
	// and the expected total, -1 when unknown. It is never nil. It cancels
	// the fetch's context (with a cause wrapping ErrFull) when the artifact
	// is larger than the store's bound.
	Progress func(bytes, total int64)
}

// FetchToFunc is a FetchFunc that reports progress and may resume: it
// copies one URI's bytes into t.Dest, honouring ctx, and returns the size
// and lower-case hex SHA-256 (or "") of the whole file.
type FetchToFunc func(ctx context.Context, t Target) (size int64, sha256hex string, err error)

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
	// file that could not be removed), evictions, and fetch progress: at
	// most one line every 2 s per fetch, and a final line with the size,
	// duration and MB/s. Nil discards them.
	Logger *slog.Logger
	// MaxBytes bounds the bytes of staged blobs; 0 means unbounded. Least
	// recently used blobs no Lease holds are evicted to make room (see
	// evict.go). Config: [state] staging_max.
	MaxBytes int64
	// Progress, when set, is called as fetches progress.
	Progress ProgressFunc
	// OnFetch, when set, is called when a fetch into the store ends (not
	// for a copy reused without fetching), with the URI's scheme (see
	// core.Scheme), the bytes it added (0 when it failed), how long it took
	// and its error (metrics). It must not block.
	OnFetch func(scheme string, bytes int64, d time.Duration, err error)
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

	max      int64
	progress ProgressFunc
	onFetch  func(scheme string, bytes int64, d time.Duration, err error)
	now      func() time.Time

	mu       sync.Mutex
	index    map[string]entry   // index key (keyOf) -> blob
	checked  map[string]bool    // index keys fetched or revalidated by this Store: reused without asking
	flights  map[string]*flight // index key -> fetch or revalidation in progress
	stored   map[string]*stored // digest -> every blob file in the store
	used     int64              // sum of stored sizes
	seq      uint64             // LRU clock
	dirty    bool               // use times changed since the index was saved
	partials map[string]bool    // index keys whose partial file a fetch is writing
	closed   bool

	persistMu sync.Mutex // serialises index.json writes
	secret    []byte     // keys the hash of credentials in index keys (keys.go)
}

// entry is what the index knows of a staged URI.
type entry struct {
	Digest string `json:"digest"`
	Size   int64  `json:"size"`
	// Validator names the version of the source fetched (Fetched.Validator);
	// "" when it cannot be revalidated.
	Validator string `json:"validator,omitempty"`
}

// Open opens (creating it if needed) the store in dir and loads its index.
// Leftover temporary files from an earlier run are removed (partial fetches
// younger than a day are kept for resuming), index entries whose blob has
// gone are dropped, and when the blobs exceed opts.MaxBytes the least
// recently used are evicted.
func Open(dir string, opts Options) (*Store, error) {
	log := opts.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	s := &Store{
		dir:      dir,
		blobs:    filepath.Join(dir, "blobs", "sha256"),
		tmp:      filepath.Join(dir, "tmp"),
		log:      log,
		max:      opts.MaxBytes,
		progress: opts.Progress,
		onFetch:  opts.OnFetch,
		now:      time.Now,
		flights:  make(map[string]*flight),
		checked:  make(map[string]bool),
		partials: make(map[string]bool),
	}
	if s.max < 0 {
		return nil, fmt.Errorf("opening staging store %s: negative MaxBytes %d", dir, s.max)
	}
	for _, d := range []string{s.blobs, s.tmp} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			return nil, fmt.Errorf("opening staging store %s: %w", dir, err)
		}
	}
	if err := s.clearTmp(); err != nil {
		return nil, fmt.Errorf("opening staging store %s: %w", dir, err)
	}
	secret, err := loadSecret(filepath.Join(dir, secretFile))
	if err != nil {
		return nil, fmt.Errorf("opening staging store %s: %w", dir, err)
	}
	s.secret = secret
	idx, used, err := s.loadIndex()
	if err != nil {
		return nil, fmt.Errorf("opening staging store %s: %w", dir, err)
	}
	s.index = idx
	if err := s.scanBlobs(used); err != nil {
		return nil, fmt.Errorf("opening staging store %s: %w", dir, err)
	}
	s.mu.Lock()
	evicted, _ := s.makeRoomLocked(0)
	s.mu.Unlock()
	if evicted {
		s.saveIndex()
	}
	s.ctx, s.cancel = context.WithCancel(context.Background())
	return s, nil
}

// Close cancels the fetches in flight, waits for them to end, saves the
// index with the blobs' use times, and makes later Stage calls fail with
// ErrClosed. The Handler keeps serving blobs already staged. Close is
// idempotent.
func (s *Store) Close() error {
	s.mu.Lock()
	s.closed = true
	s.mu.Unlock()
	s.cancel()
	s.wg.Wait()
	s.mu.Lock()
	dirty := s.dirty
	s.mu.Unlock()
	if dirty {
		if err := s.persist(); err != nil {
			return fmt.Errorf("closing staging store %s: %w", s.dir, err)
		}
	}
	return nil
}

// Dir returns the store's folder.
func (s *Store) Dir() string { return s.dir }

// blobPath is where the blob with the given hex digest lives.
func (s *Store) blobPath(digest string) string { return filepath.Join(s.blobs, digest) }
