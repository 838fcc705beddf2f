package staging

import (
	"fmt"
	"os"
	"sort"
	"time"
)

// The size bound. Options.MaxBytes caps the bytes of the blobs in
// dir/blobs; 0 leaves the store unbounded. Every blob has a use time (set
// when it is stored, when a Stage hits it and when the Handler serves it) and
// a hold count: one per Lease holding it, one per download the Handler has
// under way, one while a fetch that produced it hands it to its callers.
//
// Before a newly fetched blob is moved into the store, the least recently
// used blobs with no holds are evicted until it fits: their files are
// removed, the URIs that named them are dropped from the index, and the
// index is saved. When it cannot fit even after evicting every unheld blob,
// nothing is evicted and the Stage fails with an error wrapping ErrFull that
// names the sizes; the bound is never exceeded. A caller may retry once
// running jobs release their leases. Bytes of fetches still in flight (in
// dir/tmp) are not counted against the bound.
//
// A held blob is never removed, so a running job's artifacts stay served and
// a download keeps its file. (On Unix an open file also stays readable after
// it is unlinked, so even a blob removed behind the store's back finishes
// serving the download already under way.)
//
// Use times are saved in index.json with the index: each time a fetch stores
// a blob, after an eviction, and on Close. Uses recorded after the last save
// are lost if the process dies, which only makes those blobs look older.

// stored is the accounting for one blob file. Guarded by Store.mu.
type stored struct {
	size  int64
	used  time.Time // last use, saved in index.json
	seq   uint64    // LRU order in this process: higher is more recent
	holds int       // leases, downloads and fetches holding it
}

// touchLocked records that st was just used. s.mu must be held.
func (s *Store) touchLocked(st *stored) {
	s.seq++
	st.seq = s.seq
	st.used = s.now()
	s.dirty = true
}

// holdLocked adds a hold on digest and marks it used. s.mu must be held and
// the blob must be stored.
func (s *Store) holdLocked(digest string) {
	st := s.stored[digest]
	st.holds++
	s.touchLocked(st)
}

// releaseLocked drops a hold on digest. s.mu must be held.
func (s *Store) releaseLocked(digest string) {
	if st, ok := s.stored[digest]; ok && st.holds > 0 {
		st.holds--
	}
}

// makeRoomLocked evicts least recently used unheld blobs until size more
// bytes fit under the bound. It evicts nothing and returns an error wrapping
// ErrFull when they cannot fit. It reports whether it evicted anything, in
// which case the caller saves the index. s.mu must be held.
func (s *Store) makeRoomLocked(size int64) (evicted bool, err error) {
	if s.max <= 0 || s.used+size <= s.max {
		return false, nil
	}
	var free, held int64
	victims := make([]string, 0, len(s.stored))
	for d, st := range s.stored {
		if st.holds > 0 {
			held += st.size
			continue
		}
		free += st.size
		victims = append(victims, d)
	}
	if s.used-free+size > s.max {
		return false, fmt.Errorf("%w: a %d-byte blob does not fit in the %d-byte bound: %d bytes stored, %d of them held by running jobs or downloads",
			ErrFull, size, s.max, s.used, held)
	}
	sort.Slice(victims, func(i, j int) bool { return s.stored[victims[i]].seq < s.stored[victims[j]].seq })
	for _, d := range victims {
		if s.used+size <= s.max {
			break
		}
		s.evictLocked(d)
	}
	return true, nil
}

// evictLocked removes an unheld blob, its file and the URIs naming it. The
// file is removed under the lock so a fetch storing the same digest again
// cannot have its new file removed. s.mu must be held.
func (s *Store) evictLocked(digest string) {
	st := s.stored[digest]
	delete(s.stored, digest)
	s.used -= st.size
	var uris []string
	for key, ent := range s.index {
		if ent.Digest == digest {
			delete(s.index, key)
			uris = append(uris, key)
		}
	}
	if err := os.Remove(s.blobPath(digest)); err != nil && !os.IsNotExist(err) {
		s.log.Warn("staging: removing evicted blob", "digest", digest, "err", err)
	}
	s.log.Info("staging: evicted least recently used blob", "digest", digest, "size", st.size,
		"last_used", st.used, "uris", uris)
}

// Usage returns the bytes of blobs in the store and the bound (0 when
// unbounded).
func (s *Store) Usage() (used, bound int64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.used, s.max
}

// Size returns the size of the stored blob with the given digest; false
// when the store does not hold it (never staged, or evicted).
func (s *Store) Size(digest string) (int64, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	st, ok := s.stored[digest]
	if !ok {
		return 0, false
	}
	return st.size, true
}
