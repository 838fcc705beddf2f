package staging

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
)

// Artifact URL tokens. A digest is no secret: it is the sha256 of a file
// that may be public, it appears in configs as a checksum and in logs. So
// the artifact server does not hand out a blob to whoever names its
// digest: each URL names the job it was made for and carries a token, an
// HMAC-SHA256 of the job's name and the digest under the store's random
// key (dir/index.key, mode 0600), that only batchd can make. The token is
// the job's capability for one blob, given to the job's tasks; one that
// leaks (an agent's log, a sandbox) opens only that blob, and another
// job's tasks, given the digest, cannot build it. It needs no table: the
// server recomputes it and compares in constant time, and as the key stays
// with the store, a job's URL of a blob is the same in every run (the
// agents' fetch caches, keyed by URI, still hit after a restart, and a
// resumed job sees the URIs it started with).

// urlTokenLen is the length in hex digits of a token: 128 bits.
const urlTokenLen = 32

// URLToken returns job's token of the blob with the digest (hex sha256).
func (s *Store) URLToken(job, digest string) string {
	return hex.EncodeToString(s.urlMAC(job, digest)[:urlTokenLen/2])
}

func (s *Store) urlMAC(job, digest string) []byte {
	m := hmac.New(sha256.New, s.secret)
	m.Write([]byte("artifact url\x00")) // not an index key (keys.go) for any input
	m.Write([]byte(job))
	m.Write([]byte{0})
	m.Write([]byte(digest))
	return m.Sum(nil)
}

// validToken reports, in constant time, whether token is job's for the digest.
func (s *Store) validToken(job, token, digest string) bool {
	got, err := hex.DecodeString(token)
	if err != nil || len(got) != urlTokenLen/2 {
		return false
	}
	return hmac.Equal(got, s.urlMAC(job, digest)[:urlTokenLen/2])
}

// validJobSegment reports whether j can be a job's name in a URL path (the
// names config allows: [a-z0-9._-]+, not "." or "..").
func validJobSegment(j string) bool {
	if j == "" || j == "." || j == ".." || len(j) > 255 {
		return false
	}
	for i := 0; i < len(j); i++ {
		if c := j[i]; !('a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '.' || c == '_' || c == '-') {
			return false
		}
	}
	return true
}

// validTokenSyntax reports whether t looks like a token: lower-case hex of
// the right length (which token it is, validToken decides).
func validTokenSyntax(t string) bool {
	if len(t) != urlTokenLen {
		return false
	}
	for i := 0; i < len(t); i++ {
		if c := t[i]; !('0' <= c && c <= '9' || 'a' <= c && c <= 'f') {
			return false
		}
	}
	return true
}
