package staging

import (
	"errors"
	"net/http"
	"net/url"
	"os"
	"strings"
	"time"
)

// prefix is the URL path under which Handler serves blobs.
const prefix = "/artifacts/"

// URLPath returns the path Handler serves b at for job's tasks:
// "/artifacts/<job>/<token>/<hex>/<name>", with the name escaped as one
// path segment. Agents name the sandbox file after the last segment, so
// the URI's base name carries through. The token is the job's capability
// for the blob (URLToken): a path without it is refused as if the blob did
// not exist. job must be a valid job name ([a-z0-9._-]+).
func (s *Store) URLPath(job string, b Blob) string {
	name := b.Name
	if !validName(name) {
		name = "artifact"
	}
	return prefix + job + "/" + s.URLToken(job, b.Digest) + "/" + b.Digest + "/" + url.PathEscape(name)
}

// Handler serves staged blobs read-only: GET and HEAD of
// /artifacts/<job>/<token>/<hex>/<name>, with Range requests, ETag
// "sha256:<hex>" and Last-Modified as http.ServeContent implements them.
// The token must be URLToken's for the job and the digest (compared in
// constant time); the name segment is only the file name the client sees, the blob
// is found by digest. A malformed path gets 400; an unknown digest, or a
// known one with a wrong token, the same 404, so a client without the
// token cannot even learn whether a blob is staged; any other method 405.
// Mount it at "/artifacts/" (or as the root handler): it reads the full
// request path. Each response holds its blob until it is written, so a
// bounded store never evicts a blob mid-download, and counts as a use for
// the LRU order.
func (s *Store) Handler() http.Handler {
	return http.HandlerFunc(s.serve)
}

func (s *Store) serve(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		refuse(w, http.StatusMethodNotAllowed, "method "+r.Method+" not allowed; use GET or HEAD")
		return
	}
	job, token, digest, name, ok := parseArtifactPath(r.URL.EscapedPath())
	if !ok {
		refuse(w, http.StatusBadRequest, "malformed artifact path; want /artifacts/<job>/<token>/<sha256 hex>/<name>")
		return
	}
	if !s.validToken(job, token, digest) || !s.acquire(digest) {
		refuse(w, http.StatusNotFound, "no artifact with sha256 "+digest)
		return
	}
	defer s.release(digest)
	f, err := os.Open(s.blobPath(digest))
	if errors.Is(err, os.ErrNotExist) {
		refuse(w, http.StatusNotFound, "no artifact with sha256 "+digest)
		return
	}
	if err != nil {
		s.log.Error("staging: opening blob", "digest", digest, "err", err)
		refuse(w, http.StatusInternalServerError, "cannot read artifact")
		return
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		s.log.Error("staging: stat blob", "digest", digest, "err", err)
		refuse(w, http.StatusInternalServerError, "cannot read artifact")
		return
	}
	h := w.Header()
	h.Set("Content-Type", "application/octet-stream")
	h.Set("ETag", `"sha256:`+digest+`"`)
	h.Set("Cache-Control", "public, max-age=31536000, immutable")
	h.Set("X-Content-Type-Options", "nosniff")
	// A client that stops reading does not hold the connection forever:
	// the whole answer must go out at MinServeRate or better.
	_ = http.NewResponseController(w).SetWriteDeadline(time.Now().Add(serveTime(fi.Size())))
	http.ServeContent(w, r, name, fi.ModTime(), f)
}

// MinServeRate is the slowest a blob is served before the connection is
// cut, after a first minute of grace.
const MinServeRate = 1 << 20 // bytes per second

// serveTime bounds how long serving size bytes may take.
func serveTime(size int64) time.Duration {
	return time.Minute + time.Duration(size/MinServeRate)*time.Second
}

// parseArtifactPath splits an escaped request path into its job, token,
// digest and name. Each segment is unescaped on its own, so an encoded
// slash or dot-dot in the name is refused rather than reinterpreted.
func parseArtifactPath(escaped string) (job, token, digest, name string, ok bool) {
	rest, found := strings.CutPrefix(escaped, prefix)
	if !found {
		return "", "", "", "", false
	}
	job, rest, found = strings.Cut(rest, "/")
	if !found || !validJobSegment(job) {
		return "", "", "", "", false
	}
	token, rest, found = strings.Cut(rest, "/")
	if !found || !validTokenSyntax(token) {
		return "", "", "", "", false
	}
	digest, escName, found := strings.Cut(rest, "/")
	if !found || !validDigest(digest) || strings.Contains(escName, "/") {
		return "", "", "", "", false
	}
	name, err := url.PathUnescape(escName)
	if err != nil || !validName(name) {
		return "", "", "", "", false
	}
	return job, token, digest, name, true
}

// refuse answers with status and a one-line plain-text reason.
func refuse(w http.ResponseWriter, status int, reason string) {
	h := w.Header()
	h.Set("Content-Type", "text/plain; charset=utf-8")
	h.Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(status)
	w.Write([]byte(reason + "\n"))
}

// acquire holds a stored blob for a download and marks it used. It reports
// false when the store has no such blob.
func (s *Store) acquire(digest string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.stored[digest]; !ok {
		return false
	}
	s.holdLocked(digest)
	return true
}

// release drops a download's hold.
func (s *Store) release(digest string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.releaseLocked(digest)
}
