package staging

import (
	"strings"
	"testing"
)

// FuzzParseArtifactPath feeds hostile request paths to the Handler's
// parser: whatever it accepts names a job, a token, a valid digest and a
// single safe path segment, and URLPath maps the result back to an
// accepted path.
func FuzzParseArtifactPath(f *testing.F) {
	d := strings.Repeat("ab", 32)
	s := &Store{secret: []byte("fuzz key")}
	tok := "j/" + s.URLToken("j", d) + "/"
	for _, seed := range []string{
		"/artifacts/" + tok + d + "/tool.tar.gz",
		"/artifacts/" + tok + d + "/my%20tool%3F.sh",
		"/artifacts/" + tok + d + "/..%2f..%2fetc%2fpasswd",
		"/artifacts/" + tok + d + "/a%00b",
		"/artifacts/../x",
		"/artifacts/../" + s.URLToken("..", d) + "/" + d + "/x",
		"/artifacts/" + tok + d,
		"/artifacts/" + tok + d + "/%zz",
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, escaped string) {
		job, token, digest, name, ok := parseArtifactPath(escaped)
		if !ok {
			return
		}
		if !validJobSegment(job) || !validTokenSyntax(token) || !validDigest(digest) || !validName(name) || strings.ContainsAny(name, "/\\\x00") {
			t.Fatalf("%q accepted as job %q, digest %q, name %q", escaped, job, digest, name)
		}
		back := s.URLPath(job, Blob{Digest: digest, Name: name})
		j2, _, d2, n2, ok2 := parseArtifactPath(back)
		if !ok2 || j2 != job || d2 != digest || n2 != name {
			t.Fatalf("URLPath round trip of %q, %q: %q parses as %q, %q, %v", digest, name, back, d2, n2, ok2)
		}
	})
}
