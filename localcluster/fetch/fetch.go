// Package fetch implements the Mesos fetcher's semantics for an agent of the
// embedded cluster: it downloads each CommandInfo.URI (http, https, file://
// or a plain absolute path) into a task's sandbox, honouring output_file,
// executable, extract and cache, with an agent-wide LRU cache keyed by URI
// that revalidates a cached URI with its source once per scope (cache.go).
//
// A cache=true URI is shared, not copied: the cache holds it read-only
// (0444, or 0555 when executable) and the sandbox gets a hard link to that
// file, under output_file's name if set, so launching many tasks of one
// program costs no copy and exec never meets a file still being written.
// Only when the sandbox is on another file system, or the link is refused,
// is it copied (with the same mode). A task that must write to a fetched
// file asks for cache=false: that URI is downloaded straight into the
// sandbox as the task's own writable file, as the Mesos fetcher does. An
// archive with extract=true is unpacked into the sandbox from the link,
// so the extracted files are the task's own either way.
package fetch

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"net/url"
	"os"
	"path"
	"path/filepath"
	"strings"
	"time"

	"github.com/batchd/batchd/internal/archive"
	"github.com/batchd/batchd/internal/validator"
)

// URI is one file to fetch, with the options of mesos.CommandInfo.URI.
type URI struct {
	Value      string
	Executable bool
	Extract    bool
	Cache      bool
	OutputFile string
	// Scope is who fetches (the task's framework): a cached URI is
	// revalidated with its source the first time each scope uses it.
	Scope string
}

// Config configures a Fetcher.
type Config struct {
	// CacheDir holds cached downloads; empty disables caching (cache=true URIs are fetched directly).
	CacheDir string
	// CacheBytes bounds the cache's total size; 0 means 1 GiB.
	CacheBytes int64
	// Client does the HTTP requests; nil means a client without a timeout
	// (the context passed to Fetch bounds each download).
	Client *http.Client
	// ExtractLimits bound what one archive may unpack; zero fields take
	// internal/archive's defaults (8 GiB, 100,000 entries).
	ExtractLimits archive.Limits
}

// Fetcher fetches URIs into sandboxes. It is safe for concurrent use.
type Fetcher struct {
	client *http.Client
	cache  *cache
	limits archive.Limits
}

// New returns a Fetcher.
func New(cfg Config) *Fetcher {
	f := &Fetcher{client: cfg.Client, limits: cfg.ExtractLimits}
	if f.client == nil {
		f.client = &http.Client{}
	}
	if cfg.CacheDir != "" {
		limit := cfg.CacheBytes
		if limit <= 0 {
			limit = 1 << 30
		}
		f.cache = newCache(cfg.CacheDir, limit)
	}
	return f
}

// Fetch puts u into the sandbox folder. Its error names the URI and the cause,
// e.g. "fetching http://x/y: 404 Not Found".
func (f *Fetcher) Fetch(ctx context.Context, u URI, sandbox string) error {
	if err := f.fetch(ctx, u, sandbox); err != nil {
		return fmt.Errorf("fetching %s: %w", redact(u.Value), err)
	}
	return nil
}

func (f *Fetcher) fetch(ctx context.Context, u URI, sandbox string) error {
	name := u.OutputFile
	if name == "" {
		base, err := baseName(u.Value)
		if err != nil {
			return err
		}
		name = base
	}
	rel, err := safeJoin(name)
	if err != nil {
		return fmt.Errorf("output file %q: %w", name, err)
	}
	dst := filepath.Join(sandbox, rel)
	if dir := filepath.Dir(dst); dir != filepath.Clean(sandbox) {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return err
		}
	}
	// Never write through what is there: it may be a link to a cached file.
	if err := os.Remove(dst); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("replacing %s: %w", rel, err)
	}
	if u.Cache && f.cache != nil {
		// A read-only link to the cached file, already executable or not.
		err := f.cache.fetch(u.Value, u.Scope, dst, u.Executable, func(tmp, prev string) (string, bool, error) {
			return f.download(ctx, u.Value, tmp, prev)
		})
		if err != nil {
			return err
		}
	} else {
		// The task's own writable copy.
		if _, _, err := f.download(ctx, u.Value, dst, ""); err != nil {
			return err
		}
		if u.Executable {
			if err := os.Chmod(dst, 0o755); err != nil {
				return fmt.Errorf("making %s executable: %w", rel, err)
			}
			waitForks() // see waitForks: no child may hold dst open for writing at exec
		}
	}
	if u.Executable {
		return nil
	}
	if u.Extract && isArchive(dst) {
		// The error names the archive, the entry and the rule it broke.
		if err := f.extract(ctx, dst, sandbox); err != nil {
			return err
		}
	}
	return nil
}

// download copies the URI's bytes to dst and returns their validator
// (internal/validator). Given the validator of a copy fetched before
// (prev), it asks the source first, with a conditional request or the
// file's metadata, and while the source is unchanged writes nothing and
// returns notModified.
func (f *Fetcher) download(ctx context.Context, uri, dst, prev string) (v string, notModified bool, err error) {
	path := uri
	if !strings.HasPrefix(uri, "/") {
		pu, err := url.Parse(uri)
		if err != nil {
			return "", false, err
		}
		switch pu.Scheme {
		case "file":
			path = pu.Path
		case "http", "https":
			return f.downloadHTTP(ctx, uri, dst, prev)
		default:
			return "", false, fmt.Errorf("unsupported URI scheme %q", pu.Scheme)
		}
	}
	src, err := os.Open(path)
	if err != nil {
		return "", false, err
	}
	defer src.Close()
	before, err := src.Stat()
	if err != nil {
		return "", false, err
	}
	v = validator.OfFile(before, time.Now())
	if prev != "" && v == prev {
		return v, true, nil
	}
	if err := copyTo(dst, src); err != nil {
		return "", false, err
	}
	after, err := src.Stat()
	if err != nil {
		return "", false, err
	}
	if validator.Changed(before, after) {
		v = "" // written while copied
	}
	return v, false, nil
}

// downloadHTTP is download for an http(s) URI: a GET, conditional on prev.
func (f *Fetcher) downloadHTTP(ctx context.Context, uri, dst, prev string) (string, bool, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, uri, nil)
	if err != nil {
		return "", false, err
	}
	validator.Condition(req, prev)
	resp, err := f.client.Do(req)
	if err != nil {
		return "", false, err
	}
	defer resp.Body.Close()
	switch {
	case resp.StatusCode == http.StatusNotModified && prev != "":
		if validator.NoStore(resp.Header) {
			return "", true, nil
		}
		return prev, true, nil
	case resp.StatusCode != http.StatusOK:
		return "", false, errors.New(resp.Status)
	}
	if err := copyTo(dst, resp.Body); err != nil {
		return "", false, err
	}
	return validator.OfResponse(resp.Header, time.Now()), false, nil
}

// copyTo writes src to the file dst.
func copyTo(dst string, src io.Reader) error {
	out, err := os.OpenFile(dst, os.O_CREATE|os.O_TRUNC|os.O_WRONLY, 0o644)
	if err != nil {
		return err
	}
	if _, err := io.Copy(out, src); err != nil {
		out.Close()
		return err
	}
	return out.Close()
}

// baseName is the file name a URI is saved under without output_file.
func baseName(uri string) (string, error) {
	p := uri
	if !strings.HasPrefix(uri, "/") {
		pu, err := url.Parse(uri)
		if err != nil {
			return "", err
		}
		p = pu.Path
	}
	b := path.Base(p)
	if b == "/" || b == "." || b == "" {
		return "", errors.New("no file name in URI; set output_file")
	}
	return b, nil
}

// safeJoin cleans a relative name and refuses one that leaves its root.
func safeJoin(name string) (string, error) {
	if filepath.IsAbs(name) || strings.HasPrefix(name, "/") {
		return "", errors.New("absolute path")
	}
	c := filepath.Clean(filepath.FromSlash(name))
	if c == "." || c == ".." || strings.HasPrefix(c, ".."+string(filepath.Separator)) {
		return "", errors.New("path escapes the sandbox")
	}
	return c, nil
}

// redact drops user info from a URI so credentials never reach a message.
func redact(uri string) string {
	pu, err := url.Parse(uri)
	if err != nil || pu.User == nil {
		return uri
	}
	pu.User = nil
	return pu.String()
}
