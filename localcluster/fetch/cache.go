package fetch

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sync"
)

// cache is the agent-wide download cache: one file per URI, evicted least
// recently used first when the total size passes the limit. Sandboxes get a
// hard link (or a copy) of the cached file, so evicting never touches them.
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

	mu      sync.Mutex
	entries map[string]*entry // by key
	clock   int64
	total   int64
}

type entry struct {
	// mu is held for writing while the file is downloaded (coalescing
	// requests) or evicted, and for reading while it is linked or copied
	// into a sandbox, so many sandboxes copy one entry at once.
	mu        sync.RWMutex
	size      int64
	used      int64 // clock at last use
	present   bool
	validator string // the cached version's (internal/validator), "" when the source cannot say
	scope     string // the scope that last fetched or revalidated it
}

// downloadFunc writes a URI's bytes to tmp and returns their validator.
// Given the validator of the cached copy (prev, non-empty), it may instead
// find the source unchanged: it then writes nothing and returns
// notModified.
type downloadFunc func(tmp, prev string) (v string, notModified bool, err error)

func newCache(dir string, limit int64) *cache {
	return &cache{dir: dir, limit: limit, entries: map[string]*entry{}}
}

func cacheKey(uri string) string {
	s := sha256.Sum256([]byte(uri))
	return hex.EncodeToString(s[:])
}

// fetch places the cached copy of uri at dst, calling download to fill the
// cache on a miss and to revalidate a copy that scope has not checked yet.
// Concurrent fetches of one URI download it once.
func (c *cache) fetch(uri, scope, dst string, copyOnly bool, download downloadFunc) error {
	key := cacheKey(uri)
	c.mu.Lock()
	e := c.entries[key]
	if e == nil {
		e = &entry{}
		c.entries[key] = e
	}
	c.mu.Unlock()

	if err := c.fill(e, key, scope, dst, copyOnly, download); err != nil {
		return err
	}
	c.evict(key)
	return nil
}

// fill downloads the entry if absent, then links or copies it to dst.
func (c *cache) fill(e *entry, key, scope, dst string, copyOnly bool, download downloadFunc) error {
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
	if err := linkOrCopy(file, dst, copyOnly); err != nil {
		return fmt.Errorf("copying from fetch cache: %w", err)
	}
	return nil
}

// ensure makes the entry's file present and checked for scope: present and
// checked, it is kept; present with a validator, the source is asked
// whether it changed; otherwise it is downloaded (again).
func (c *cache) ensure(e *entry, file, scope string, download downloadFunc) error {
	e.mu.Lock()
	defer e.mu.Unlock()
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
	v, notModified, err := download(tmp, prev)
	if err != nil {
		os.Remove(tmp)
		return err
	}
	if notModified && prev != "" {
		e.validator, e.scope = v, scope
		return nil
	}
	fi, err := os.Stat(tmp)
	if err != nil {
		return err
	}
	// Sandboxes linked to the old file keep it; the cache moves on.
	if err := os.Rename(tmp, file); err != nil {
		return err
	}
	c.mu.Lock()
	if e.present {
		c.total -= e.size
	}
	e.present, e.size = true, fi.Size()
	c.total += e.size
	c.mu.Unlock()
	e.validator, e.scope = v, scope
	return nil
}

// evict removes least recently used files until the cache fits its limit,
// never the one just used unless it alone is over the limit.
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

// linkOrCopy puts src at dst: a hard link when possible and allowed, else a copy.
func linkOrCopy(src, dst string, copyOnly bool) error {
	os.Remove(dst)
	if !copyOnly {
		if err := os.Link(src, dst); err == nil {
			return nil
		}
	}
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	out, err := os.OpenFile(dst, os.O_CREATE|os.O_TRUNC|os.O_WRONLY, 0o644)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, in); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}
