// Package validator builds the strings that tell versions of a source apart,
// so a copy fetched earlier is reused only while its source is unchanged:
// from an HTTP response's headers, or from a local file's metadata. A
// validator changes whenever the bytes may have changed; two equal
// non-empty validators of one source mean the same bytes; "" means the
// source cannot say, and the caller fetches again.
//
// batchd's http and file fetcher plugins report these validators to the
// staging store, and the embedded cluster's agents use them for their
// fetch cache, so both follow one rule.
package validator

import (
	"fmt"
	"net/http"
	"os"
	"strings"
	"syscall"
	"time"
)

// Prefixes name the kind of a validator.
const (
	// ETag is a strong HTTP entity tag.
	ETag = "etag:"
	// LastModified is an HTTP Last-Modified date.
	LastModified = "last-modified:"
	// File is a local file's device, inode, size, mtime and ctime.
	File = "file:"
	// Content is the SHA-256 of the bytes themselves (lower-case hex).
	Content = "sha256:"
)

// LastModifiedAge is how far a Last-Modified must lie before the response's
// Date to tell versions apart: any closer, a second change within the same
// second could hide behind it (RFC 9110 8.8.2.2 calls it weak then; RFC 9111
// 4.3.1 asks a cache for 60 s).
const LastModifiedAge = 60 * time.Second

// RacyWindow is how old a file's timestamps must be before they prove it
// unchanged: a second write within the file system's timestamp granularity
// (up to FAT's 2 s) would leave them as they were.
const RacyWindow = 2 * time.Second

// OfResponse is the validator of an HTTP response with header h, received
// at now: its strong ETag, else its Last-Modified when at least
// LastModifiedAge before its Date (or now, without a Date), else "". A
// response with Cache-Control: no-store has none.
func OfResponse(h http.Header, now time.Time) string {
	if NoStore(h) {
		return ""
	}
	if etag := h.Get("ETag"); etag != "" && !strings.HasPrefix(etag, "W/") {
		return ETag + etag
	}
	lm, err := http.ParseTime(h.Get("Last-Modified"))
	if err != nil {
		return ""
	}
	date, err := http.ParseTime(h.Get("Date"))
	if err != nil {
		date = now
	}
	if date.Sub(lm) < LastModifiedAge {
		return ""
	}
	return LastModified + h.Get("Last-Modified")
}

// NoStore reports whether h carries Cache-Control: no-store.
func NoStore(h http.Header) bool {
	for _, d := range h.Values("Cache-Control") {
		for _, dir := range strings.Split(d, ",") {
			if strings.EqualFold(strings.TrimSpace(dir), "no-store") {
				return true
			}
		}
	}
	return false
}

// Condition sets on req the precondition a validator from OfResponse
// implies: If-None-Match for an ETag, If-Modified-Since for a date. A
// server then answers 304 Not Modified while the source is unchanged.
func Condition(req *http.Request, v string) {
	switch {
	case strings.HasPrefix(v, ETag):
		req.Header.Set("If-None-Match", strings.TrimPrefix(v, ETag))
	case strings.HasPrefix(v, LastModified):
		req.Header.Set("If-Modified-Since", strings.TrimPrefix(v, LastModified))
	}
}

// OfFile is the validator of a local file from its metadata, or "" when a
// timestamp is within RacyWindow of now.
func OfFile(info os.FileInfo, now time.Time) string {
	meta, newest := FileMeta(info)
	if now.Sub(newest) < RacyWindow {
		return ""
	}
	return meta
}

// Changed reports whether a file's metadata moved between two looks at it
// (before and after a copy, say): a file written meanwhile has no version
// the copy can claim.
func Changed(before, after os.FileInfo) bool {
	b, _ := FileMeta(before)
	a, _ := FileMeta(after)
	return a != b
}

// FileMeta is File and the file's device, inode, size, mtime and ctime,
// and the newer of its two times. Two FileMeta of one path differ when the
// file was written, replaced or touched in between, unless within one
// timestamp tick (see RacyWindow).
func FileMeta(info os.FileInfo) (string, time.Time) {
	mtime, ctime := info.ModTime(), info.ModTime()
	var dev, ino uint64
	if st, ok := info.Sys().(*syscall.Stat_t); ok {
		dev, ino = uint64(st.Dev), st.Ino
		ctime = time.Unix(int64(st.Ctim.Sec), int64(st.Ctim.Nsec))
	}
	newest := mtime
	if ctime.After(newest) {
		newest = ctime
	}
	return fmt.Sprintf("%s%d:%d:%d:%d:%d", File, dev, ino, info.Size(), mtime.UnixNano(), ctime.UnixNano()), newest
}
