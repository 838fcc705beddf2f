package staging

// Lease holds blobs in the store for as long as something needs them —
// typically one job, from staging its artifacts until its last task ends. A
// blob held by any lease is never evicted. A job takes a Lease, stages
// through StageFor with it, and releases it when done:
//
//	l := store.Lease()
//	defer l.Release()
//	blob, err := store.StageFor(ctx, l, uri, checksum, fetch)
//
// A Lease is safe for concurrent use. Leases live in memory only: after a
// restart a job re-stages its artifacts (index hits, no fetch) to hold them
// again.
type Lease struct {
	s        *Store
	held     map[string]bool // digests held; guarded by s.mu
	released bool            // guarded by s.mu
}

// Lease returns a new, empty lease on the store.
func (s *Store) Lease() *Lease {
	return &Lease{s: s, held: make(map[string]bool)}
}

// Release drops every hold of the lease. Its blobs become evictable (they
// are evicted only when room is needed). Staging with a released lease
// fails with ErrReleased. Release is idempotent.
func (l *Lease) Release() {
	s := l.s
	s.mu.Lock()
	defer s.mu.Unlock()
	for d := range l.held {
		s.releaseLocked(d)
	}
	l.held = nil
	l.released = true
}

// Holds reports whether the lease holds the blob with the given digest.
func (l *Lease) Holds(digest string) bool {
	l.s.mu.Lock()
	defer l.s.mu.Unlock()
	return l.held[digest]
}

// holdLocked makes l hold digest, once however often it is staged. A
// released lease takes no hold. s.mu must be held and the blob stored.
func (l *Lease) holdLocked(digest string) {
	if l.released {
		return
	}
	if l.held[digest] {
		l.s.touchLocked(l.s.stored[digest])
		return
	}
	l.held[digest] = true
	l.s.holdLocked(digest)
}
