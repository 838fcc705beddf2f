package staging

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// TestHandlerNeedsToken: knowing a blob's digest is not enough to download
// it. Without the token, with another blob's token, another store's or a
// forged one, the answer is the 404 of an unknown digest (no oracle), and
// the body carries nothing of the blob.
func TestHandlerNeedsToken(t *testing.T) {
	srv, s, b, data := serveStaged(t)
	other, err := s.Stage(context.Background(), "http://origin/other", "", (&source{data: []byte("another blob")}).fetch)
	if err != nil {
		t.Fatal(err)
	}
	elsewhere := openStore(t, t.TempDir()) // its own random key
	tok := s.URLToken("j", b.Digest)
	flipped := []byte(tok)
	// Another hex digit in the last place ('a' ^ 1 would be '`', no hex).
	if flipped[len(flipped)-1] == '0' {
		flipped[len(flipped)-1] = '1'
	} else {
		flipped[len(flipped)-1] = '0'
	}
	tests := []struct {
		name   string
		path   string
		status int
	}{
		{"right token", s.URLPath("j", b), http.StatusOK},
		{"digest only", "/artifacts/" + b.Digest + "/" + b.Name, http.StatusBadRequest},
		{"another blob's token", "/artifacts/j/" + s.URLToken("j", other.Digest) + "/" + b.Digest + "/x", http.StatusNotFound},
		{"another store's token", "/artifacts/j/" + elsewhere.URLToken("j", b.Digest) + "/" + b.Digest + "/x", http.StatusNotFound},
		{"another job's token", "/artifacts/k/" + tok + "/" + b.Digest + "/x", http.StatusNotFound},
		{"another job's own token", "/artifacts/k/" + s.URLToken("k", other.Digest) + "/" + b.Digest + "/x", http.StatusNotFound},
		{"no job", "/artifacts/" + tok + "/" + b.Digest + "/x", http.StatusBadRequest},
		{"job ..", "/artifacts/../" + s.URLToken("..", b.Digest) + "/" + b.Digest + "/x", http.StatusBadRequest},
		{"one digit changed", "/artifacts/j/" + string(flipped) + "/" + b.Digest + "/x", http.StatusNotFound},
		{"zero token", "/artifacts/j/" + strings.Repeat("0", 32) + "/" + b.Digest + "/x", http.StatusNotFound},
		{"upper-case token", "/artifacts/j/" + strings.ToUpper(tok) + "/" + b.Digest + "/x", http.StatusBadRequest},
		{"short token", "/artifacts/j/" + tok[:31] + "/" + b.Digest + "/x", http.StatusBadRequest},
		{"full-length mac", "/artifacts/j/" + tok + tok + "/" + b.Digest + "/x", http.StatusBadRequest},
	}
	unknown := strings.Repeat("0", 64)
	wantBody := "no artifact with sha256 " + b.Digest + "\n"
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp, err := http.Get(srv.URL + tt.path)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			body, _ := io.ReadAll(resp.Body)
			if resp.StatusCode != tt.status {
				t.Fatalf("GET %s = %d (%s), want %d", tt.path, resp.StatusCode, body, tt.status)
			}
			switch {
			case tt.status == http.StatusOK && string(body) != string(data):
				t.Errorf("body = %q, want the blob", body)
			case tt.status == http.StatusNotFound && string(body) != wantBody:
				// The same answer as for a digest never staged.
				t.Errorf("body = %q, want %q", body, wantBody)
			case tt.status != http.StatusOK && strings.Contains(string(body), string(data)):
				t.Errorf("refusal leaks the blob: %q", body)
			}
		})
	}
	// A digest never staged, with its own valid token, answers alike.
	rec := httptest.NewRecorder()
	s.Handler().ServeHTTP(rec, httptest.NewRequest("GET", s.URLPath("j", Blob{Digest: unknown, Name: "x"}), nil))
	if rec.Code != http.StatusNotFound || rec.Body.String() != "no artifact with sha256 "+unknown+"\n" {
		t.Errorf("unknown digest: %d %q", rec.Code, rec.Body.String())
	}
}

// TestURLTokenStable: a blob's URL is the same after the store is opened
// again (the key is kept in the store's folder), so agents' fetch caches
// and a resumed job's recorded URIs stay valid across runs.
func TestURLTokenStable(t *testing.T) {
	dir := t.TempDir()
	d := strings.Repeat("cd", 32)
	a := openStore(t, dir)
	first := a.URLToken("j", d)
	if err := a.Close(); err != nil {
		t.Fatal(err)
	}
	if again := openStore(t, dir).URLToken("j", d); again != first {
		t.Errorf("token after reopening = %s, want %s", again, first)
	}
	if other := openStore(t, t.TempDir()).URLToken("j", d); other == first {
		t.Errorf("two stores gave digest %s the same token %s", d, first)
	}
}
