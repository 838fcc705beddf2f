package staging

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
)

// indexFile is the on-disk form of the URI index.
type indexFile struct {
	Version int              `json:"version"`
	Entries map[string]entry `json:"entries"`
}

const indexVersion = 1

func (s *Store) indexPath() string { return filepath.Join(s.dir, "index.json") }

// loadIndex reads index.json, keeping the entries whose blob is present with
// the recorded size. A missing file is an empty index.
func (s *Store) loadIndex() (map[string]entry, error) {
	idx := make(map[string]entry)
	data, err := os.ReadFile(s.indexPath())
	if errors.Is(err, os.ErrNotExist) {
		return idx, nil
	}
	if err != nil {
		return nil, fmt.Errorf("reading index: %w", err)
	}
	var f indexFile
	if err := json.Unmarshal(data, &f); err != nil {
		return nil, fmt.Errorf("decoding index %s: %w", s.indexPath(), err)
	}
	if f.Version != indexVersion {
		return nil, fmt.Errorf("index %s has version %d, want %d", s.indexPath(), f.Version, indexVersion)
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
	return idx, nil
}

// persist writes the current index to index.json atomically. Writers are
// serialised and each snapshots the index after taking the lock, so the
// last write always holds the newest index.
func (s *Store) persist() error {
	s.persistMu.Lock()
	defer s.persistMu.Unlock()

	s.mu.Lock()
	f := indexFile{Version: indexVersion, Entries: make(map[string]entry, len(s.index))}
	for k, v := range s.index {
		f.Entries[k] = v
	}
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
