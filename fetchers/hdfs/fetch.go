// Package hdfsfetch is batchd's fetcher for hdfs:// URIs, built on
// github.com/colinmarc/hdfs/v2.
//
// hdfs://host:port/path names its namenode; hdfs://NAMESERVICE/path is
// resolved through the HA name services of the Hadoop configuration
// (HADOOP_CONF_DIR: dfs.nameservices, dfs.ha.namenodes.NS,
// dfs.namenode.rpc-address.NS.NN); hdfs:///path uses the configured
// namenodes, or else fs.defaultFS. Authentication is SIMPLE as the
// configured or OS user, or Kerberos from a keytab or ticket cache.
//
// A file is copied byte for byte. A directory is staged as one
// uncompressed tar stream of the whole tree, which the agents extract: its
// entries sit under the directory's base name (hdfs:///data/inputs gives
// inputs/, inputs/a.txt, ...), as `hdfs get` lays it out, with permission
// bits, owner and group names and modification times kept and entries in
// name order, so the same tree always yields the same bytes and digest.
//
// A read that fails after the client has tried every replica of a block is
// resumed from the offset already written, on a fresh connection.
//
// Fetch and Stat report validators built from the namenode's length,
// modification time and inode id of a file, or of every entry of a tree
// (stat.go), so batchd reuses a staged copy only while it is unchanged.
package hdfsfetch

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"sync"
	"time"

	"github.com/batchd/batchd/plugins/sdk"
	"github.com/colinmarc/hdfs/v2"
)

// Version is the fetcher's version, reported by Describe.
const Version = "0.1.0"

// Fetcher stages files and directory trees from HDFS. It is safe for
// concurrent use; each fetch has its own namenode connection.
type Fetcher struct {
	mu  sync.RWMutex
	cfg Config
	now func() time.Time // the clock modification times are judged by (stat.go)
}

var (
	_ sdk.Fetcher = (*Fetcher)(nil)
	_ sdk.Stater  = (*Fetcher)(nil)
)

// New returns an HDFS fetcher with the given settings.
func New(cfg Config) *Fetcher { return &Fetcher{cfg: cfg, now: time.Now} }

// Describe reports the fetcher's name, version and the "hdfs" scheme.
func (f *Fetcher) Describe(ctx context.Context) (sdk.FetcherInfo, error) {
	if err := ctx.Err(); err != nil {
		return sdk.FetcherInfo{}, err
	}
	return sdk.FetcherInfo{Name: "hdfs", Version: Version, Schemes: []string{"hdfs"}}, nil
}

// Configure overlays settings (the [fetchers.hdfs] table as JSON) on the
// defaults. Unknown keys, bad values, and named files that are missing or
// unreadable (keytab, ticket cache, krb5.conf, Hadoop configuration folder)
// are errors wrapping sdk.ErrInvalidConfig.
func (f *Fetcher) Configure(ctx context.Context, settings json.RawMessage) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	cfg, err := DefaultConfig().applyJSON(settings)
	if err != nil {
		return err
	}
	if _, err := cfg.loadHadoopConf(); err != nil {
		return fmt.Errorf("configuring hdfs fetcher: %w: %w", sdk.ErrInvalidConfig, err)
	}
	f.mu.Lock()
	f.cfg = cfg
	f.mu.Unlock()
	return nil
}

// Fetch copies the file or directory tree req.URI names to req.Dest (a
// tar stream for a directory). A missing path is an error wrapping
// sdk.ErrNotFound, a refused one sdk.ErrPermission, namenodes that
// cannot be reached or blocks no datanode can serve sdk.ErrUnavailable.
// When ctx is cancelled Fetch closes its connections, removes req.Dest
// (unless req.KeepPartial asks to keep it for a later resume) and returns
// an error wrapping ctx.Err().
//
// With req.Offset > 0 and a file (not a directory) at least that long and
// not modified since req.Dest was last written, it resumes: it hashes the
// first Offset bytes already in req.Dest and reads the rest from Offset
// on. The result covers the whole file.
//
// The result's Validator names the version read (see stat.go): it is ""
// when the file or tree changed while it was read, a modification time is
// too recent to trust, or the fetch resumed an earlier one's bytes.
func (f *Fetcher) Fetch(ctx context.Context, req sdk.FetchRequest, progress func(sdk.Progress)) (sdk.FetchResult, error) {
	s, err := f.open(ctx, req.URI)
	if err != nil {
		return sdk.FetchResult{}, fmt.Errorf("fetching %w", err)
	}
	defer s.close()
	res, err := s.fetchTo(req, progress)
	if err != nil {
		if ctx.Err() != nil {
			err = fmt.Errorf("%w (%w)", ctx.Err(), err)
		}
		return sdk.FetchResult{}, fmt.Errorf("fetching %s to %s: %w", sdk.RedactURI(req.URI), req.Dest, err)
	}
	return res, nil
}

// open resolves uri with the settings in force and connects to its
// namenodes. Its errors name the URI (redacted).
func (f *Fetcher) open(ctx context.Context, uri string) (*session, error) {
	f.mu.RLock()
	cfg := f.cfg
	f.mu.RUnlock()
	conf, err := cfg.loadHadoopConf()
	if err != nil {
		return nil, fmt.Errorf("%s: %w: %w", sdk.RedactURI(uri), sdk.ErrInvalidConfig, err)
	}
	t, err := cfg.resolve(uri, conf)
	if err != nil {
		return nil, err
	}
	s, err := open(ctx, cfg, conf, t)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", sdk.RedactURI(uri), err)
	}
	s.now = f.now
	return s, nil
}

// fetchTo writes the file or tree to req.Dest, from req.Offset for a file
// when Dest holds that prefix, hashing and reporting progress. The result's
// validator is the version read before the bytes (see stat.go), if the
// namenode still reports it afterwards.
func (s *session) fetchTo(req sdk.FetchRequest, progress func(sdk.Progress)) (sdk.FetchResult, error) {
	before := newVersion(s.now())
	info, err := s.client.Stat(s.target.path)
	if err != nil {
		return sdk.FetchResult{}, classify(err)
	}
	total := info.Size()
	if info.IsDir() {
		total = -1
	}
	d, err := s.openDest(req, info, progress)
	if err != nil {
		return sdk.FetchResult{}, err
	}
	defer d.Abort()
	d.SetTotal(total)
	d.Report()
	if info.IsDir() {
		err = s.writeTree(d, s.target.path, info, before)
	} else {
		before.add(entryName(s.target.path), info)
		err = s.copyFile(d, s.target.path, d.Written(), info.Size())
	}
	if err != nil {
		return sdk.FetchResult{}, err
	}
	res, err := d.Commit()
	if err != nil {
		return sdk.FetchResult{}, err
	}
	if d.PrefixTime().IsZero() { // bytes kept from an earlier fetch were read at a time nobody knows
		if after, err := s.version(s.target.path); err == nil {
			res.Validator = fetchedValidator(before, after)
		}
	}
	return res, nil
}

// classify wraps an HDFS client error in the matching fetcher sentinel.
func classify(err error) error {
	var he hdfs.Error
	if errors.As(err, &he) && he.Message() != "" {
		// The client's message leaves out what the namenode said.
		err = fmt.Errorf("%w: %s", err, he.Message())
	}
	switch exceptionOf(err) {
	case "java.io.FileNotFoundException":
		return fmt.Errorf("%w: %w", sdk.ErrNotFound, err)
	case "org.apache.hadoop.security.AccessControlException":
		return fmt.Errorf("%w: %w", sdk.ErrPermission, err)
	}
	switch {
	case errors.Is(err, os.ErrNotExist):
		return fmt.Errorf("%w: %w", sdk.ErrNotFound, err)
	case errors.Is(err, os.ErrPermission):
		return fmt.Errorf("%w: %w", sdk.ErrPermission, err)
	}
	return err
}
