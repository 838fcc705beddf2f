// Package state is batchd's durable memory: one transactional bbolt file
// under [state] dir that holds the framework id, the collector's address
// and token key, and every job's definition, plan, tasks, attempts and
// results. A restarted batchd reads it to resume unfinished jobs;
// `batchd results` reads it to print what jobs produced.
//
// Writes go through one writer goroutine (writer.go) that gathers whatever
// was queued meanwhile into one transaction: a result waits for the fsync
// of the transaction holding it (group commit), while launches and status
// updates ride along without anyone waiting for them. A transaction commits
// whole or not at all, so a crash never leaves a half-written task.
//
// Layout (bucket names in quotes):
//
//	"meta"  version, framework_id, listen, token_key
//	"jobs"  one bucket per job name:
//	        "job"    the Job record (JSON)
//	        "results" how many results are committed (8 bytes, big-endian)
//	        "plan"   seq -> the runner's encoded task spec (written once)
//	        "tasks"  seq -> the Task record (JSON): id, label, state, attempts, result
package state

import (
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"time"

	bolt "go.etcd.io/bbolt"
)

// FormatVersion is the store format this batchd writes. A store of a
// higher version, written by a newer batchd, is refused.
const FormatVersion = 1

// FileName is the store's file name inside the state folder.
const FileName = "state.db"

// Errors Open returns, compared with errors.Is.
var (
	// ErrLocked means another process (a running batchd) holds the store.
	ErrLocked = errors.New("state: store in use by another process")
	// ErrNewer means the store was written by a newer batchd.
	ErrNewer = errors.New("state: store written by a newer batchd")
	// ErrNotFound means the store has no such job.
	ErrNotFound = errors.New("state: not found")
)

var (
	bucketMeta  = []byte("meta")
	bucketJobs  = []byte("jobs")
	bucketPlan  = []byte("plan")
	bucketTasks = []byte("tasks")
	keyJob      = []byte("job")
	keyResults  = []byte("results")
	keyVersion  = []byte("version")
	keyFramewrk = []byte("framework_id")
	keyListen   = []byte("listen")
	keyTokenKey = []byte("token_key")
)

// Options tunes Open.
type Options struct {
	// ReadOnly opens the store for reading (`batchd results`); it waits
	// LockTimeout for a writer to let go.
	ReadOnly bool
	// LockTimeout bounds the wait for the file lock (default 1s).
	LockTimeout time.Duration
	// NoSync skips fsync on commit: faster, and a crash of the machine (not
	// of batchd) may lose the last commits. For throwaway runs and for
	// measuring what durability costs.
	NoSync bool
}

// Store is an open state store. Its methods are safe for concurrent use.
type Store struct {
	db   *bolt.DB
	path string
	w    *writer // nil when read-only
}

// Open opens (creating it if needed) the store in dir.
func Open(dir string, opts Options) (*Store, error) {
	path := filepath.Join(dir, FileName)
	if opts.LockTimeout <= 0 {
		opts.LockTimeout = time.Second
	}
	if opts.ReadOnly {
		if _, err := os.Stat(path); err != nil {
			return nil, fmt.Errorf("opening state store %s: %w", path, err)
		}
	} else if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("creating state folder %s: %w", dir, err)
	}
	db, err := bolt.Open(path, 0o600, &bolt.Options{
		Timeout: opts.LockTimeout, ReadOnly: opts.ReadOnly, NoSync: opts.NoSync,
		NoFreelistSync: true, FreelistType: bolt.FreelistMapType,
	})
	if errors.Is(err, bolt.ErrTimeout) {
		return nil, fmt.Errorf("opening state store %s: %w (is another batchd running with this [state] dir?)", path, ErrLocked)
	}
	if err != nil {
		return nil, fmt.Errorf("opening state store %s: %w", path, err)
	}
	s := &Store{db: db, path: path}
	if err := s.checkVersion(opts.ReadOnly); err != nil {
		db.Close()
		return nil, err
	}
	if !opts.ReadOnly {
		s.w = startWriter(db)
	}
	return s, nil
}

// checkVersion refuses a newer store and stamps a new one.
func (s *Store) checkVersion(readOnly bool) error {
	check := func(tx *bolt.Tx) error {
		m := tx.Bucket(bucketMeta)
		if m == nil {
			return nil
		}
		raw := m.Get(keyVersion)
		if raw == nil {
			return nil
		}
		v, err := strconv.Atoi(string(raw))
		if err != nil {
			return fmt.Errorf("state store %s: unreadable format version %q", s.path, raw)
		}
		if v > FormatVersion {
			return fmt.Errorf("state store %s has format %d; this batchd reads up to format %d: %w; use a newer batchd or another [state] dir",
				s.path, v, FormatVersion, ErrNewer)
		}
		return nil
	}
	if readOnly {
		return s.db.View(check)
	}
	return s.db.Update(func(tx *bolt.Tx) error {
		if err := check(tx); err != nil {
			return err
		}
		m, err := tx.CreateBucketIfNotExists(bucketMeta)
		if err != nil {
			return err
		}
		if _, err := tx.CreateBucketIfNotExists(bucketJobs); err != nil {
			return err
		}
		if m.Get(keyVersion) == nil {
			return m.Put(keyVersion, []byte(strconv.Itoa(FormatVersion)))
		}
		return nil
	})
}

// Path returns the store's file.
func (s *Store) Path() string { return s.path }

// Close waits for queued writes to commit and closes the store.
func (s *Store) Close() error {
	var err error
	if s.w != nil {
		err = s.w.close()
	}
	if cerr := s.db.Close(); err == nil && cerr != nil {
		err = fmt.Errorf("closing state store %s: %w", s.path, cerr)
	}
	return err
}

// Meta is batchd's identity towards the cluster and its tasks.
type Meta struct {
	// FrameworkID is the id the master gave batchd; empty when none is kept.
	FrameworkID string
	// Listen is the host:port the collector served on.
	Listen string
	// TokenKey derives the tasks' bearer tokens.
	TokenKey []byte
}

// Meta reads the stored identity.
func (s *Store) Meta() (Meta, error) {
	var m Meta
	err := s.db.View(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketMeta)
		if b == nil {
			return nil
		}
		m.FrameworkID = string(b.Get(keyFramewrk))
		m.Listen = string(b.Get(keyListen))
		m.TokenKey = append([]byte(nil), b.Get(keyTokenKey)...)
		return nil
	})
	if err != nil {
		return Meta{}, fmt.Errorf("reading state store %s: %w", s.path, err)
	}
	return m, nil
}

// SetFrameworkID keeps id (empty: forgets it), durably.
func (s *Store) SetFrameworkID(id string) error {
	return s.w.wait(func(tx *bolt.Tx) error { return putMeta(tx, keyFramewrk, []byte(id)) })
}

// SetServer keeps the collector's address and token key, durably.
func (s *Store) SetServer(listen string, tokenKey []byte) error {
	return s.w.wait(func(tx *bolt.Tx) error {
		if err := putMeta(tx, keyListen, []byte(listen)); err != nil {
			return err
		}
		return putMeta(tx, keyTokenKey, tokenKey)
	})
}

func putMeta(tx *bolt.Tx, k, v []byte) error {
	b := tx.Bucket(bucketMeta)
	if len(v) == 0 {
		return b.Delete(k)
	}
	return b.Put(k, v)
}

// seqKey encodes a task's plan position as a bucket key, sorted in plan order.
func seqKey(seq uint64) []byte {
	var k [8]byte
	binary.BigEndian.PutUint64(k[:], seq)
	return k[:]
}
