package fetcher

import (
	"context"
	"errors"
)

// ErrNotStater means the plugin does not implement Stat: it predates the
// capability or its sources offer nothing to revalidate with.
var ErrNotStater = errors.New("fetcher: plugin does not stat")

// Stater is an optional capability of a fetcher plugin: telling, without
// fetching, which version of an object its source holds now. batchd calls
// it before reusing a copy staged on an earlier run, and fetches again
// unless the validator it returns equals the one recorded with the copy.
// batchd detects it with a type assertion on what it dispensed; a call to
// an older plugin returns an error wrapping ErrNotStater.
//
// Stat is called after Configure, any number of times, concurrently. It
// honours ctx, returning an error wrapping ctx.Err() when ctx ends, and
// returns errors wrapping this package's sentinels (ErrNotFound,
// ErrPermission, ErrUnavailable, ErrUnsupported) like Fetch. Any error
// makes batchd fetch again, so the fetch reports the real problem.
type Stater interface {
	Stat(ctx context.Context, req StatRequest) (StatResult, error)
}

// StatRequest asks about one URI.
type StatRequest struct {
	URI string
	// Validator is what an earlier Fetch or Stat of URI reported, or "".
	// A fetcher may use it for a conditional request (HTTP If-None-Match,
	// If-Modified-Since) and answer with it when the source says "not
	// modified".
	Validator string
}

// StatResult describes the object a URI names now.
type StatResult struct {
	// Validator is an opaque string naming the version of the object.
	// Built from what the source offers (an HTTP ETag or Last-Modified, a
	// file's size, mtime and inode, FTP MDTM and SIZE, HDFS modification
	// time and length), it changes whenever the bytes may have changed:
	// two equal non-empty validators of one URI mean the same bytes. ""
	// means the source cannot say (no validators, Cache-Control: no-store,
	// a modification time too recent to trust); batchd then fetches again.
	// Fetch reports the same kind of validator in Result.Validator.
	Validator string
	// Size is the object's length in bytes, or -1 when unknown.
	Size int64
}
