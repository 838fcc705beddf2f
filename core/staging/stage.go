package staging

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/batchd/batchd/core"
	"github.com/batchd/batchd/plugins/redact"
)

// Source is one artifact to stage: where its bytes come from, and how to
// tell whether they changed since a copy was staged.
type Source struct {
	// URI names the artifact. It may carry credentials; the store never
	// keeps or shows them in clear.
	URI string
	// Checksum is "sha256:<hex>" or empty. A stored blob with that digest
	// is used whatever the URI, without asking the source.
	Checksum string
	// Identity names whatever besides the URI picks the bytes the source
	// gives (the fetcher and its settings: another FTP user, other HTTP
	// headers), so that two such sources never share an index entry. It is
	// hashed into the index key, never stored in clear. May be empty.
	Identity string
	// Immutable says the URI's bytes never change (cache = "immutable"): a
	// copy staged on an earlier run is reused without asking the source.
	Immutable bool
	// Fetch writes the bytes to t.Dest (see FetchToFunc) and says which
	// version of the object it fetched.
	Fetch func(ctx context.Context, t Target) (Fetched, error)
	// Stat returns the validator of the version the source holds now, ""
	// when it cannot say; validator is the one recorded with the staged
	// copy, for a conditional request. Nil means the source can never say.
	Stat func(ctx context.Context, validator string) (string, error)
}

// Fetched is what a Source's Fetch reports.
type Fetched struct {
	// Size and SHA256 describe the whole file written, as FetchToFunc's do.
	Size   int64
	SHA256 string
	// Validator names the version of the object fetched (an opaque string
	// that changes whenever the bytes may have), "" when the source cannot
	// say. Only an entry with a validator can be revalidated on a later run.
	Validator string
}

// flight is one fetch (or revalidation) in progress, shared by every Stage
// call for its index key.
type flight struct {
	done    chan struct{}
	cancel  context.CancelCauseFunc
	waiters int    // guarded by Store.mu
	joins   []join // leases waiting for the blob; guarded by Store.mu

	// Set before done is closed.
	ent     entry
	fetched bool // ent came from a fetch, not from revalidating the earlier copy
	err     error
}

// join is a lease waiting on a flight, with its caller's checksum digest.
type join struct {
	l    *Lease
	want string
}

// Stage makes sure the bytes uri names are in the store and returns their
// blob. It is StageSource for a source that cannot be revalidated: a copy
// staged earlier in this Store's life is reused, one from an earlier run
// (index.json) is fetched again. Stage holds nothing: a bounded store may
// evict the blob as soon as room is needed. Use StageFor with a Lease to
// keep it.
func (s *Store) Stage(ctx context.Context, uri string, checksum string, fetch FetchFunc) (Blob, error) {
	src := Source{URI: uri, Checksum: checksum, Fetch: func(ctx context.Context, t Target) (Fetched, error) {
		size, digest, err := fetch(ctx, t.Dest)
		return Fetched{Size: size, SHA256: digest}, err
	}}
	return s.stage(ctx, nil, src, false)
}

// StageFor is StageSource for a source that cannot be revalidated (no Stat,
// no validators).
func (s *Store) StageFor(ctx context.Context, l *Lease, uri string, checksum string, fetch FetchToFunc) (Blob, error) {
	src := Source{URI: uri, Checksum: checksum, Fetch: func(ctx context.Context, t Target) (Fetched, error) {
		size, digest, err := fetch(ctx, t)
		return Fetched{Size: size, SHA256: digest}, err
	}}
	return s.stage(ctx, l, src, true)
}

// StageSource makes sure the bytes src names are in the store and returns
// their blob, held by l (when l is not nil) until l.Release, so it is never
// evicted while the job that staged it runs; a caller whose checksum fails
// holds nothing.
//
// When a copy can be used without fetching:
//   - with src.Checksum, a stored blob with that digest is used whatever
//     the URI;
//   - a URI this Store fetched or revalidated before (this run) is reused
//     at once: one URI is revalidated once per run, not once per task;
//   - a copy staged on an earlier run (index.json) is reused when
//     src.Immutable, or when src.Stat returns the validator recorded with
//     it (non-empty). Otherwise, when the source cannot say, has changed,
//     or Stat fails, it is fetched again (identical bytes still share one
//     blob).
//
// Otherwise src.Fetch writes the bytes to a temporary file; concurrent
// calls for the same source share one fetch (or revalidation) and its
// outcome. Fetch reports progress through Target.Progress (to
// Options.Progress and the log) and may resume an interrupted earlier
// fetch of the same source from Target.Offset. If ctx ends first,
// StageSource returns ctx.Err() without cancelling the fetch, unless no
// other caller is still waiting for it.
//
// A malformed checksum fails with ErrBadChecksum before anything is
// fetched. A cached copy with another digest than the checksum is a reason
// to fetch again; the error wraps ErrChecksum, naming both digests, only
// when the freshly fetched bytes differ, and those bytes are not kept.
// Bytes whose size or digest differ from what Fetch reported are discarded
// with ErrCorrupt. When the store is bounded and the blob cannot fit beside
// the blobs held by leases, the error wraps ErrFull. Staging with a
// released lease, or a lease of another store, fails with ErrReleased.
// Every error names the URI (with any password redacted).
func (s *Store) StageSource(ctx context.Context, l *Lease, src Source) (Blob, error) {
	return s.stage(ctx, l, src, true)
}

func (s *Store) stage(ctx context.Context, l *Lease, src Source, resumable bool) (Blob, error) {
	shown := redact.URI(src.URI)
	want, err := parseChecksum(src.Checksum)
	if err != nil {
		return Blob{}, fmt.Errorf("staging %s: %w", shown, err)
	}
	key := s.keyOf(src.URI, shown, src.Identity)
	name := BaseName(src.URI)

	for force := false; ; force = true {
		s.mu.Lock()
		if s.closed {
			s.mu.Unlock()
			return Blob{}, fmt.Errorf("staging %s: %w", shown, ErrClosed)
		}
		if l != nil && (l.released || l.s != s) {
			s.mu.Unlock()
			return Blob{}, fmt.Errorf("staging %s: %w", shown, ErrReleased)
		}
		if b, ok := s.reuseLocked(l, key, want, src.Immutable); ok {
			s.mu.Unlock()
			b.Name = name
			return b, nil
		}
		f, ok := s.flights[key]
		if !ok {
			f = s.startLocked(key, shown, want, src, resumable, force)
		}
		f.waiters++
		if l != nil {
			f.joins = append(f.joins, join{l: l, want: want})
		}
		s.mu.Unlock()

		select {
		case <-f.done:
		case <-ctx.Done():
			s.leave(key, f, l)
			return Blob{}, fmt.Errorf("staging %s: %w", shown, ctx.Err())
		}
		if f.err != nil {
			return Blob{}, f.err
		}
		if want != "" && want != f.ent.Digest && !f.fetched && !force {
			// Another caller's flight kept the earlier copy; this caller
			// pins other bytes, so it asks the source afresh.
			continue
		}
		b, err := s.blob(shown, name, want, f.ent)
		if err == nil && l != nil && !l.Holds(b.Digest) {
			return Blob{}, fmt.Errorf("staging %s: %w", shown, ErrReleased)
		}
		return b, err
	}
}

// reuseLocked returns the blob to use without fetching or asking the
// source, if there is one, and holds it for l (or marks it used). s.mu must
// be held.
func (s *Store) reuseLocked(l *Lease, key, want string, immutable bool) (Blob, bool) {
	digest := want
	if want == "" || s.stored[want] == nil {
		ent, ok := s.index[key]
		if !ok || s.stored[ent.Digest] == nil || (want != "" && want != ent.Digest) || !(s.checked[key] || immutable) {
			return Blob{}, false
		}
		digest = ent.Digest
	}
	if l != nil {
		l.holdLocked(digest)
	} else {
		s.touchLocked(s.stored[digest])
	}
	return Blob{Digest: digest, Size: s.stored[digest].size, Path: s.blobPath(digest)}, true
}

// blob checks a staged entry against the caller's checksum and describes it.
func (s *Store) blob(shown, name, want string, ent entry) (Blob, error) {
	if want != "" && want != ent.Digest {
		return Blob{}, checksumError(shown, want, ent.Digest)
	}
	return Blob{Digest: ent.Digest, Size: ent.Size, Path: s.blobPath(ent.Digest), Name: name}, nil
}

// startLocked starts the flight for key: revalidating the copy staged on
// an earlier run, when there is one the source can vouch for (and force is
// not set), else fetching. s.mu must be held.
func (s *Store) startLocked(key, shown, want string, src Source, resumable, force bool) *flight {
	ctx, cancel := context.WithCancelCause(s.ctx)
	f := &flight{done: make(chan struct{}), cancel: cancel}
	var prev *entry // the earlier copy to revalidate, held until the flight ends
	if ent, ok := s.index[key]; ok && s.stored[ent.Digest] != nil && !force && want == "" &&
		ent.Validator != "" && src.Stat != nil {
		s.holdLocked(ent.Digest) // so eviction cannot take it meanwhile
		prev = &ent
	}
	s.flights[key] = f
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		defer cancel(nil)
		var (
			ent     entry
			fetched bool
			err     error
		)
		if prev != nil && s.unchanged(ctx, shown, src, *prev) {
			ent = *prev
		} else {
			ent, err = s.run(ctx, cancel, key, shown, want, src.Fetch, resumable)
			fetched = err == nil
		}
		s.mu.Lock()
		if s.flights[key] == f {
			delete(s.flights, key)
		}
		if err == nil {
			s.index[key] = ent
			s.checked[key] = true
			// Hand the blob to the waiting leases before dropping the
			// flight's own hold, so it is never unheld in between.
			for _, j := range f.joins {
				if j.want == "" || j.want == ent.Digest {
					j.l.holdLocked(ent.Digest)
				}
			}
			if fetched {
				s.releaseLocked(ent.Digest)
			}
		}
		if prev != nil {
			s.releaseLocked(prev.Digest)
		}
		f.joins = nil
		s.mu.Unlock()
		if fetched {
			if perr := s.persist(); perr != nil {
				// The blob is staged and usable now; only a restart loses it.
				s.log.Warn("staging: saving index", "err", perr)
			}
		}
		f.ent, f.fetched, f.err = ent, fetched, err
		close(f.done)
	}()
	return f
}

// unchanged asks the source whether the copy staged earlier (prev) is still
// what it holds. A failed Stat or an empty validator means "fetch again":
// the fetch then reports any real problem with the source.
func (s *Store) unchanged(ctx context.Context, shown string, src Source, prev entry) bool {
	v, err := safeStat(ctx, src.Stat, prev.Validator)
	switch {
	case err != nil:
		s.log.Info("staging: could not revalidate, fetching again", "uri", shown, "err", err)
		return false
	case v == "":
		s.log.Info("staging: source cannot say whether it changed, fetching again", "uri", shown)
		return false
	case v != prev.Validator:
		s.log.Info("staging: changed at the source, fetching again", "uri", shown)
		return false
	}
	s.log.Debug("staging: unchanged at the source, reusing the staged copy", "uri", shown, "digest", prev.Digest)
	return true
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
func (s *Store) run(ctx context.Context, cancel context.CancelCauseFunc, key, shown, want string,
	fetch func(context.Context, Target) (Fetched, error), resumable bool) (ent entry, err error) {
	t, err := s.openTemp(key, resumable)
	if err != nil {
		return entry{}, fmt.Errorf("staging %s: creating temp file: %w", shown, err)
	}
	keep := false
	defer func() { s.closeTemp(key, t, keep) }()

	m := s.newMeter(shown, t.offset, cancel)
	if s.onFetch != nil {
		defer func() { s.onFetch(core.Scheme(shown), max(ent.Size-t.offset, 0), s.now().Sub(m.start), err) }()
	}
	got, err := safeFetch(ctx, Target{Dest: t.path, Offset: t.offset, Progress: m.report}, fetch)
	if err != nil {
		if cause := context.Cause(ctx); errors.Is(cause, ErrFull) {
			return entry{}, fmt.Errorf("staging %s: %w", shown, cause)
		}
		keep = true // interrupted: what arrived may be resumed
		return entry{}, fetchError(shown, err)
	}
	actual, actualSize, err := hashAndSync(t.path)
	if err != nil {
		return entry{}, fmt.Errorf("staging %s: verifying fetched file: %w", shown, err)
	}
	if actualSize != got.Size || (got.SHA256 != "" && got.SHA256 != actual) {
		return entry{}, fmt.Errorf("staging %s: %w: fetcher said %d bytes sha256:%s, wrote %d bytes sha256:%s",
			shown, ErrCorrupt, got.Size, got.SHA256, actualSize, actual)
	}
	if want != "" && want != actual {
		return entry{}, checksumError(shown, want, actual)
	}
	if err := s.commit(t.path, actual, actualSize); err != nil {
		return entry{}, fmt.Errorf("staging %s: %w", shown, err)
	}
	m.done(actualSize)
	return entry{Digest: actual, Size: actualSize, Validator: got.Validator}, nil
}

// fetchError is the error of a failed fetch of the URI shown (redacted).
// A fetcher's error names the URI it fetched, as the built-in fetchers'
// do, and is not named again: each fact is said once. One that does not
// is named here, so every error still names the URI.
func fetchError(shown string, err error) error {
	if strings.Contains(err.Error(), shown) {
		return fmt.Errorf("staging: %w", err)
	}
	return fmt.Errorf("staging %s: %w", shown, err)
}
