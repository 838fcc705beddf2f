package staging

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"time"
)

// indexFile is the on-disk form of the URI index. Used holds each blob's
// last use, for the LRU order; an index written before it existed loads
// with the blobs' modification times instead.
type indexFile struct {
	Version int                  `json:"version"`
	Entries map[string]entry     `json:"entries"`
	Used    map[string]time.Time `json:"used,omitempty"`
}

// indexVersion 2 added validators and identity keys. A version-1 index
// loads with no entries (they could not be revalidated, so each would be
// fetched again anyway; identical bytes still find their blob); a newer
// version is refused.
const indexVersion = 2

func (s *Store) indexPath() string { return filepath.Join(s.dir, "index.json") }

// loadIndex reads index.json, keeping the entries whose blob is present with
// the recorded size, and returns the blobs' use times. A missing file is an
// empty index.
func (s *Store) loadIndex() (map[string]entry, map[string]time.Time, error) {
	idx := make(map[string]entry)
	data, err := os.ReadFile(s.indexPath())
	if errors.Is(err, os.ErrNotExist) {
		return idx, nil, nil
	}
	if err != nil {
		return nil, nil, fmt.Errorf("reading index: %w", err)
	}
	var f indexFile
	if err := json.Unmarshal(data, &f); err != nil {
		return nil, nil, fmt.Errorf("decoding index %s: %w", s.indexPath(), err)
	}
	if f.Version > indexVersion || f.Version < 1 {
		return nil, nil, fmt.Errorf("index %s has version %d, this batchd reads versions 1 to %d (written by a newer batchd?)", s.indexPath(), f.Version, indexVersion)
	}
	if f.Version < indexVersion {
		s.log.Info("staging: index from an older batchd; its entries will be fetched again", "index", s.indexPath(), "version", f.Version)
		return idx, f.Used, nil
	}
	for key, ent := range f.Entries {
		if !validDigest(ent.Digest) {
			s.log.Warn("staging: dropping index entry with bad digest", "uri", key)
			continue
		}
		fi, err := os.Stat(s.blobPath(ent.Digest))
		if err != nil || fi.Size() != ent.Size {
			s.log.Warn("staging: dropping index entry whose blob is gone", "uri", key, "digest", ent.Digest)
			continue
		}
		idx[key] = ent
	}
	return idx, f.Used, nil
}

// scanBlobs accounts for every blob file in the store, indexed or not (a
// blob stored just before a crash that lost its index entry still counts
// against the bound and can be evicted), ordered by use time.
func (s *Store) scanBlobs(used map[string]time.Time) error {
	ents, err := os.ReadDir(s.blobs)
	if err != nil {
		return fmt.Errorf("listing blobs: %w", err)
	}
	type found struct {
		digest string
		st     *stored
	}
	var all []found
	for _, e := range ents {
		if !validDigest(e.Name()) || !e.Type().IsRegular() {
			s.log.Warn("staging: ignoring stray file among blobs", "name", e.Name())
			continue
		}
		fi, err := e.Info()
		if err != nil {
			continue // removed meanwhile
		}
		t, ok := used[e.Name()]
		if !ok {
			t = fi.ModTime()
		}
		all = append(all, found{e.Name(), &stored{size: fi.Size(), used: t}})
	}
	sort.Slice(all, func(i, j int) bool {
		if !all[i].st.used.Equal(all[j].st.used) {
			return all[i].st.used.Before(all[j].st.used)
		}
		return all[i].digest < all[j].digest
	})
	s.stored = make(map[string]*stored, len(all))
	for _, f := range all {
		s.seq++
		f.st.seq = s.seq
		s.stored[f.digest] = f.st
		s.used += f.st.size
	}
	return nil
}

// saveIndex persists the index, logging a failure: the store keeps working
// and only a restart would see the older index.
func (s *Store) saveIndex() {
	if err := s.persist(); err != nil {
		s.log.Warn("staging: saving index", "err", err)
	}
}

// persist writes the current index to index.json atomically. Writers are
// serialised and each snapshots the index after taking the lock, so the
// last write always holds the newest index.
func (s *Store) persist() error {
	s.persistMu.Lock()
	defer s.persistMu.Unlock()

	s.mu.Lock()
	f := indexFile{Version: indexVersion, Entries: make(map[string]entry, len(s.index)),
		Used: make(map[string]time.Time, len(s.stored))}
	for k, v := range s.index {
		f.Entries[k] = v
	}
	for d, st := range s.stored {
		f.Used[d] = st.used
	}
	s.dirty = false
	s.mu.Unlock()

	data, err := json.MarshalIndent(f, "", "\t")
	if err != nil {
		return fmt.Errorf("encoding index: %w", err)
	}
	tmp, err := os.CreateTemp(s.tmp, "index-*")
	if err != nil {
		return fmt.Errorf("writing index: %w", err)
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return fmt.Errorf("writing index: %w", err)
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return fmt.Errorf("writing index: %w", err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("writing index: %w", err)
	}
	if err := os.Rename(tmp.Name(), s.indexPath()); err != nil {
		return fmt.Errorf("writing index: %w", err)
	}
	return syncDir(s.dir)
}
