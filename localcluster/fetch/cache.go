package fetch

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
)

// cache is the agent-wide download cache: one read-only file per URI and
// mode (0444, or 0555 for an executable URI), evicted least recently used
// first when the total size passes the limit. Sandboxes get a hard link to
// the cached file (place.go), so a 20 MB task program costs one directory
// entry per task, not a copy; evicting only removes the cache's own link.
// A URI asked for both as executable and not is cached twice, once per
// mode, because a link shares its file's mode.
//
// A cached file is never written again: a new version is downloaded to a
// temporary file and renamed over the old name, so sandboxes linked to the
// old version keep it. A task that writes to its link changes the cached
// file too; the cache notices at the next use (size, mtime, mode or inode
// differ from what seal set, see stamp) and downloads the URI again.
//
// Unlike the Mesos fetcher's cache, which reuses a URI's download for as
// long as it holds it, this one revalidates a cached URI once per scope
// (the framework the task belongs to, as batchd's staging store does once
// per run): a conditional request (If-None-Match, If-Modified-Since) or the
// file's metadata tells whether the source changed (internal/validator);
// a source that cannot say is downloaded again. Within one scope the
// version first fetched is reused without asking.
type cache struct {
	dir   string
	limit int64
	// link makes a hard link; tests replace it to make linking fail.
	link func(oldname, newname string) error

	linked, copied, copiedBytes atomic.Int64 // for Stats

	mu      sync.Mutex
	entries map[string]*entry // by key
	clock   int64
	total   int64
}

type entry struct {
	exec bool // the file's mode is 0555, else 0444
	// mu is held for writing while the file is downloaded (coalescing
	// requests), checked or evicted, and for reading while it is linked or
	// copied into a sandbox, so many sandboxes link one entry at once.
	mu        sync.RWMutex
	size      int64
	used      int64 // clock at last use
	present   bool
	stamp     stamp  // what seal set on the file
	validator string // the cached version's (internal/validator), "" when the source cannot say
	scope     string // the scope that last fetched or revalidated it
}

// downloadFunc writes a URI's bytes to tmp and returns their validator.
// Given the validator of the cached copy (prev, non-empty), it may instead
// find the source unchanged: it then writes nothing and returns
// notModified.
type downloadFunc func(tmp, prev string) (v string, notModified bool, err error)

func newCache(dir string, limit int64) *cache {
	return &cache{dir: dir, limit: limit, link: os.Link, entries: map[string]*entry{}}
}

// cacheKey names a URI's cached file; the mode is part of it.
func cacheKey(uri string, exec bool) string {
	s := sha256.Sum256([]byte(uri))
	if exec {
		return hex.EncodeToString(s[:]) + "-x"
	}
	return hex.EncodeToString(s[:]) + "-r"
}

// fetch links the cached file of uri (executable or not) to dst, calling
// download to fill the cache on a miss and to revalidate a file that scope
// has not checked yet. Concurrent fetches of one URI and mode download it
// once.
func (c *cache) fetch(uri, scope, dst string, exec bool, download downloadFunc) error {
	key := cacheKey(uri, exec)
	c.mu.Lock()
	e := c.entries[key]
	if e == nil {
		e = &entry{exec: exec}
		c.entries[key] = e
	}
	c.mu.Unlock()

	if err := c.fill(e, key, scope, dst, download); err != nil {
		return err
	}
	c.evict(key)
	return nil
}

// fill downloads the entry if absent, then links (or copies) it to dst.
func (c *cache) fill(e *entry, key, scope, dst string, download downloadFunc) error {
	file := filepath.Join(c.dir, key)
	if err := c.ensure(e, file, scope, download); err != nil {
		return err
	}
	e.mu.RLock()
	defer e.mu.RUnlock()
	if !e.present { // evicted between ensure and RLock: rare, fetch it again
		e.mu.RUnlock()
		err := c.ensure(e, file, scope, download)
		e.mu.RLock()
		if err != nil {
			return err
		}
	}
	c.mu.Lock()
	c.clock++
	e.used = c.clock
	c.mu.Unlock()
	if err := c.place(file, dst, e.exec); err != nil {
		return fmt.Errorf("placing from fetch cache: %w", err)
	}
	return nil
}

// ensure makes the entry's file present, intact and checked for scope:
// present and checked, it is kept; present with a validator, the source is
// asked whether it changed; otherwise, or when a task wrote to it, it is
// downloaded (again).
func (c *cache) ensure(e *entry, file, scope string, download downloadFunc) error {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.present && !e.stamp.matches(file) {
		// A task wrote to (or chmod'ed) its link: drop the cache's link;
		// the sandboxes linked to it keep theirs.
		os.Remove(file)
		c.drop(e)
	}
	if e.present && e.scope == scope {
		return nil
	}
	if err := os.MkdirAll(c.dir, 0o755); err != nil {
		return fmt.Errorf("creating fetch cache: %w", err)
	}
	prev := ""
	if e.present {
		prev = e.validator
	}
	tmp := file + ".part"
	os.Remove(tmp) // a leftover may be read-only
	v, notModified, err := download(tmp, prev)
	if err != nil {
		os.Remove(tmp)
		return err
	}
	if notModified && prev != "" {
		e.validator, e.scope = v, scope
		return nil
	}
	st, err := seal(tmp, e.exec)
	if err != nil {
		os.Remove(tmp)
		return err
	}
	// Never written in place: sandboxes linked to the old file keep it.
	if err := os.Rename(tmp, file); err != nil {
		return err
	}
	c.mu.Lock()
	if e.present {
		c.total -= e.size
	}
	e.present, e.size, e.stamp = true, st.size, st
	c.total += e.size
	c.mu.Unlock()
	e.validator, e.scope = v, scope
	return nil
}

// drop forgets the entry's file; the caller holds e.mu for writing and
// has removed the file.
func (c *cache) drop(e *entry) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if e.present {
		c.total -= e.size
	}
	e.present, e.size, e.validator, e.scope = false, 0, "", ""
}

// evict removes least recently used files until the cache fits its limit,
// never the one just used unless it alone is over the limit. It removes
// the cache's link only: a sandbox's link keeps the file alive.
func (c *cache) evict(keep string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for c.total > c.limit {
		var oldest string
		for k, e := range c.entries {
			if !e.present || k == keep {
				continue
			}
			if oldest == "" || e.used < c.entries[oldest].used {
				oldest = k
			}
		}
		if oldest == "" {
			e := c.entries[keep]
			if e == nil || !e.present || e.size <= c.limit {
				return
			}
			oldest = keep
		}
		e := c.entries[oldest]
		if !e.mu.TryLock() {
			return // in use by a fetch; a later eviction gets it
		}
		os.Remove(filepath.Join(c.dir, oldest))
		c.total -= e.size
		e.present, e.size = false, 0
		e.mu.Unlock()
	}
}

// Stats counts how a Fetcher's cache placed files into sandboxes.
type Stats struct {
	// Linked is the number of cached files hard-linked into sandboxes.
	Linked int64
	// Copied is the number copied instead (the sandbox on another file
	// system, or linking refused), and CopiedBytes their bytes.
	Copied, CopiedBytes int64
}

// Stats reports how the cache has placed files so far; zero without a cache.
func (f *Fetcher) Stats() Stats {
	if f.cache == nil {
		return Stats{}
	}
	return Stats{Linked: f.cache.linked.Load(), Copied: f.cache.copied.Load(), CopiedBytes: f.cache.copiedBytes.Load()}
}
