package staging

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// Resuming. A fetch started by StageFor writes dir/tmp/partial-<hash of the
// redacted URI>. When it is interrupted — its context cancelled, the
// fetcher failing mid-transfer, or batchd killed — the bytes already there
// are kept, and the next fetch of the same URI gets that file with
// Target.Offset set to its length, so a fetcher that can resume (HTTP Range,
// FTP REST) continues where it stopped; one that cannot overwrites it. The
// result is verified like any other fetch: a size or digest the fetcher
// misreports, or a checksum mismatch, discards the partial file, so a resumed
// prefix from a source that has changed costs at most one failed attempt.
// (Without a checksum, a fetcher should only resume when it can tell the
// source is unchanged, e.g. HTTP If-Range.)
//
// Fetches started by Stage (a plain FetchFunc, which cannot be told an
// offset) write a fresh fetch-* temp file that is removed on failure. Open
// removes every leftover temp file except partial files younger than
// partialMaxAge. Partial files do not count against MaxBytes.
//
// batchd hands Target.Offset to the fetcher plugin as fetcher.Request.Offset
// (with KeepPartial, so a failed fetch leaves its prefix here): the http,
// ftp and hdfs fetchers continue from it with a Range request, REST or a
// seek; the file fetcher starts over. A wrong prefix cannot be told by the
// fetcher; the digest check here (and checksum, when given) rejects it and
// the next fetch starts from zero.

// partialMaxAge is how long Open keeps a partial fetch for resuming.
const partialMaxAge = 24 * time.Hour

const partialPrefix = "partial-"

// tempFile is the file one fetch writes.
type tempFile struct {
	path    string
	offset  int64 // bytes already in it
	partial bool  // the URI's partial file, kept for resuming on failure
}

// partialPath is where an interrupted fetch of key is kept.
func (s *Store) partialPath(key string) string {
	sum := sha256.Sum256([]byte(key))
	return filepath.Join(s.tmp, partialPrefix+hex.EncodeToString(sum[:16]))
}

// openTemp returns the file to fetch key into: its partial file when the
// fetch can resume and no other fetch of key is writing it, a fresh temp
// file otherwise.
func (s *Store) openTemp(key string, resumable bool) (tempFile, error) {
	if resumable {
		s.mu.Lock()
		busy := s.partials[key]
		s.partials[key] = true
		s.mu.Unlock()
		if !busy {
			p := s.partialPath(key)
			fi, err := ensureFile(p)
			if err == nil {
				return tempFile{path: p, offset: fi.Size(), partial: true}, nil
			}
			s.mu.Lock()
			delete(s.partials, key)
			s.mu.Unlock()
			return tempFile{}, err
		}
	}
	f, err := os.CreateTemp(s.tmp, "fetch-*")
	if err != nil {
		return tempFile{}, err
	}
	f.Close()
	return tempFile{path: f.Name()}, nil
}

// ensureFile creates p if needed and returns its info.
func ensureFile(p string) (os.FileInfo, error) {
	f, err := os.OpenFile(p, os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return f.Stat()
}

// closeTemp is called when a fetch of key has ended. The file is gone when
// the blob was stored; otherwise it is removed, unless it is a non-empty
// partial file of an interrupted fetch (keep).
func (s *Store) closeTemp(key string, t tempFile, keep bool) {
	if keep && t.partial {
		if fi, err := os.Stat(t.path); err != nil || fi.Size() == 0 {
			keep = false
		}
	}
	if !keep || !t.partial {
		if err := os.Remove(t.path); err != nil && !os.IsNotExist(err) {
			s.log.Warn("staging: removing temp file", "path", t.path, "err", err)
		}
	}
	if t.partial {
		s.mu.Lock()
		delete(s.partials, key)
		s.mu.Unlock()
	}
}

// clearTmp removes what an earlier run left in the temp folder, keeping
// partial fetches younger than partialMaxAge.
func (s *Store) clearTmp() error {
	ents, err := os.ReadDir(s.tmp)
	if err != nil {
		return fmt.Errorf("listing %s: %w", s.tmp, err)
	}
	for _, e := range ents {
		p := filepath.Join(s.tmp, e.Name())
		if strings.HasPrefix(e.Name(), partialPrefix) && e.Type().IsRegular() {
			if fi, err := e.Info(); err == nil && s.now().Sub(fi.ModTime()) < partialMaxAge {
				continue
			}
		}
		if err := os.RemoveAll(p); err != nil {
			s.log.Warn("staging: removing leftover temp file", "path", p, "err", err)
		}
	}
	return nil
}
