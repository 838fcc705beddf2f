package staging

import (
	"context"
	"errors"
	"fmt"

	"github.com/batchd/batchd/plugins/sdk"
)

// flight is one fetch in progress, shared by every Stage call for its URI.
type flight struct {
	want    string // the starting caller's checksum digest, or ""
	done    chan struct{}
	cancel  context.CancelCauseFunc
	waiters int    // guarded by Store.mu
	joins   []join // leases waiting for the blob; guarded by Store.mu

	// Set before done is closed.
	ent entry
	err error
}

// join is a lease waiting on a flight, with its caller's checksum digest.
type join struct {
	l    *Lease
	want string
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
// with ErrCorrupt. When the store is bounded and the blob cannot fit beside
// the blobs held by leases, the error wraps ErrFull. Every error names the
// URI (with any password redacted).
//
// Stage holds nothing: a bounded store may evict the blob as soon as room
// is needed. Use StageFor with a Lease to keep it.
func (s *Store) Stage(ctx context.Context, uri string, checksum string, fetch FetchFunc) (Blob, error) {
	to := func(ctx context.Context, t Target) (int64, string, error) { return fetch(ctx, t.Dest) }
	return s.stage(ctx, nil, uri, checksum, to, false)
}

// StageFor is Stage with a lease, progress and resume. The returned blob is
// held by l (when l is not nil) until l.Release, so it is never evicted
// while the job that staged it runs; a caller whose checksum fails holds
// nothing. fetch receives a Target: it reports progress through
// Target.Progress (to Options.Progress and the log) and may resume an
// interrupted earlier fetch of the same URI from Target.Offset. Staging
// with a released lease, or a lease of another store, fails with
// ErrReleased.
func (s *Store) StageFor(ctx context.Context, l *Lease, uri string, checksum string, fetch FetchToFunc) (Blob, error) {
	return s.stage(ctx, l, uri, checksum, fetch, true)
}

func (s *Store) stage(ctx context.Context, l *Lease, uri, checksum string, fetch FetchToFunc, resumable bool) (Blob, error) {
	want, err := parseChecksum(checksum)
	if err != nil {
		return Blob{}, fmt.Errorf("staging %s: %w", sdk.RedactURI(uri), err)
	}
	key := sdk.RedactURI(uri) // the index key: index.json never holds a secret
	name := BaseName(uri)

	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return Blob{}, fmt.Errorf("staging %s: %w", key, ErrClosed)
	}
	if l != nil && (l.released || l.s != s) {
		s.mu.Unlock()
		return Blob{}, fmt.Errorf("staging %s: %w", key, ErrReleased)
	}
	if ent, ok := s.index[key]; ok && s.stored[ent.Digest] != nil {
		if want == "" || want == ent.Digest {
			if l != nil {
				l.holdLocked(ent.Digest)
			} else {
				s.touchLocked(s.stored[ent.Digest])
			}
		}
		s.mu.Unlock()
		return s.blob(key, name, want, ent)
	}
	f, ok := s.flights[key]
	if !ok {
		f = s.startLocked(key, want, fetch, resumable)
	}
	f.waiters++
	if l != nil {
		f.joins = append(f.joins, join{l: l, want: want})
	}
	s.mu.Unlock()

	select {
	case <-f.done:
		if f.err != nil {
			return Blob{}, f.err
		}
		b, err := s.blob(key, name, want, f.ent)
		if err == nil && l != nil && !l.Holds(b.Digest) {
			return Blob{}, fmt.Errorf("staging %s: %w", key, ErrReleased)
		}
		return b, err
	case <-ctx.Done():
		s.leave(key, f, l)
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
func (s *Store) startLocked(key, want string, fetch FetchToFunc, resumable bool) *flight {
	ctx, cancel := context.WithCancelCause(s.ctx)
	f := &flight{want: want, done: make(chan struct{}), cancel: cancel}
	s.flights[key] = f
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		defer cancel(nil)
		ent, err := s.run(ctx, cancel, key, want, fetch, resumable)
		s.mu.Lock()
		if s.flights[key] == f {
			delete(s.flights, key)
		}
		if err == nil {
			s.index[key] = ent
			// Hand the blob to the waiting leases before dropping the
			// fetch's own hold, so it is never unheld in between.
			for _, j := range f.joins {
				if j.want == "" || j.want == ent.Digest {
					j.l.holdLocked(ent.Digest)
				}
			}
			s.releaseLocked(ent.Digest)
		}
		f.joins = nil
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

// leave drops one waiter (and its lease, if any) from f; the last one to go
// cancels the fetch and forgets it, so a later Stage for the URI starts afresh.
func (s *Store) leave(key string, f *flight, l *Lease) {
	s.mu.Lock()
	defer s.mu.Unlock()
	f.waiters--
	for i, j := range f.joins {
		if l != nil && j.l == l {
			f.joins = append(f.joins[:i], f.joins[i+1:]...)
			break
		}
	}
	if f.waiters == 0 {
		f.cancel(nil)
		if s.flights[key] == f {
			delete(s.flights, key)
		}
	}
}

// run fetches key into a temp file, verifies it and moves it into place,
// holding it once for the flight.
func (s *Store) run(ctx context.Context, cancel context.CancelCauseFunc, key, want string, fetch FetchToFunc, resumable bool) (ent entry, err error) {
	t, err := s.openTemp(key, resumable)
	if err != nil {
		return entry{}, fmt.Errorf("staging %s: creating temp file: %w", key, err)
	}
	keep := false
	defer func() { s.closeTemp(key, t, keep) }()

	m := s.newMeter(key, t.offset, cancel)
	size, reported, err := safeFetch(ctx, Target{Dest: t.path, Offset: t.offset, Progress: m.report}, fetch)
	if err != nil {
		if cause := context.Cause(ctx); errors.Is(cause, ErrFull) {
			return entry{}, fmt.Errorf("staging %s: %w", key, cause)
		}
		keep = true // interrupted: what arrived may be resumed
		return entry{}, fmt.Errorf("staging %s: %w", key, err)
	}
	actual, actualSize, err := hashAndSync(t.path)
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
	if err := s.commit(t.path, actual, actualSize); err != nil {
		return entry{}, fmt.Errorf("staging %s: %w", key, err)
	}
	m.done(actualSize)
	return entry{Digest: actual, Size: actualSize}, nil
}
