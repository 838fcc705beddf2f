package staging

// This file is where the store's size bound will live (DESIGN.md: "a size
// bound and LRU eviction"). Nothing is bounded yet; the two hooks below are
// already called at the right places so the bound is a change to this file
// (plus an Options field) and nothing else:
//
//   - touch is called each time a staged blob is used: a Stage that hits the
//     index and every artifact the Handler serves. An LRU keeps a use time
//     or list position per digest here.
//   - makeRoom is called before a newly fetched, verified blob is moved into
//     the store, with its size. A bounded store evicts least recently used
//     blobs (never one with a fetch or download in progress; Unix keeps an
//     open file readable after unlink, so a download already under way
//     survives), removes their index entries (then persists the index), and
//     returns an error wrapping a sentinel such as ErrFull when even an empty
//     store cannot hold size bytes.

// touch records that the blob with digest was just used. No-op until the
// store is bounded.
func (s *Store) touch(digest string) {}

// makeRoom makes sure size more bytes fit in the store. No-op until the store
// is bounded.
func (s *Store) makeRoom(size int64) error { return nil }
