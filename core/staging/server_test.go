package staging

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// serveStaged starts a real server over a store holding one staged blob.
func serveStaged(t *testing.T) (*httptest.Server, *Store, Blob, []byte) {
	t.Helper()
	s := openStore(t, t.TempDir())
	data := []byte("0123456789 an artifact body")
	b, err := s.Stage(context.Background(), "http://origin/dist/my tool.tar.gz", "", (&source{data: data}).fetch)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(s.Handler())
	t.Cleanup(srv.Close)
	return srv, s, b, data
}

func TestURLPath(t *testing.T) {
	s := openStore(t, t.TempDir())
	d := strings.Repeat("ab", 32)
	tok := s.URLToken("j", d)
	if len(tok) != 32 {
		t.Fatalf("URLToken = %q, want 32 hex digits", tok)
	}
	tests := []struct{ name, want string }{
		{"tool.tar.gz", "/artifacts/j/" + tok + "/" + d + "/tool.tar.gz"},
		{"my tool?.sh", "/artifacts/j/" + tok + "/" + d + "/my%20tool%3F.sh"},
		{"..", "/artifacts/j/" + tok + "/" + d + "/artifact"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := s.URLPath("j", Blob{Digest: d, Name: tt.name}); got != tt.want {
				t.Errorf("URLPath = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestHandler(t *testing.T) {
	srv, s, b, data := serveStaged(t)
	etag := `"sha256:` + b.Digest + `"`
	url := srv.URL + s.URLPath("j", b)
	other := strings.Repeat("0", 64)
	tok := srv.URL + "/artifacts/j/" + s.URLToken("j", b.Digest) + "/"
	tests := []struct {
		name       string
		method     string
		url        string
		header     map[string]string
		wantStatus int
		wantBody   string
		wantHeader map[string]string
	}{
		{name: "full get", method: "GET", url: url, wantStatus: 200, wantBody: string(data),
			wantHeader: map[string]string{"Content-Length": fmt.Sprint(len(data)), "ETag": etag,
				"Content-Type": "application/octet-stream", "Accept-Ranges": "bytes"}},
		{name: "head", method: "HEAD", url: url, wantStatus: 200, wantBody: "",
			wantHeader: map[string]string{"Content-Length": fmt.Sprint(len(data)), "ETag": etag}},
		{name: "range", method: "GET", url: url, header: map[string]string{"Range": "bytes=2-5"},
			wantStatus: 206, wantBody: "2345",
			wantHeader: map[string]string{"Content-Range": fmt.Sprintf("bytes 2-5/%d", len(data)), "Content-Length": "4"}},
		{name: "suffix range", method: "GET", url: url, header: map[string]string{"Range": "bytes=-4"},
			wantStatus: 206, wantBody: "body"},
		{name: "unsatisfiable range", method: "GET", url: url, header: map[string]string{"Range": "bytes=1000-"},
			wantStatus: 416},
		{name: "if-none-match", method: "GET", url: url, header: map[string]string{"If-None-Match": etag},
			wantStatus: 304, wantBody: ""},
		{name: "if-range stale", method: "GET", url: url,
			header:     map[string]string{"Range": "bytes=0-1", "If-Range": `"sha256:` + other + `"`},
			wantStatus: 200, wantBody: string(data)},
		{name: "any name", method: "GET", url: tok + b.Digest + "/renamed.bin",
			wantStatus: 200, wantBody: string(data)},
		{name: "unknown digest", method: "GET", url: srv.URL + "/artifacts/j/" + s.URLToken("j", other) + "/" + other + "/x", wantStatus: 404},
		{name: "short digest", method: "GET", url: tok + "abc/x", wantStatus: 400},
		{name: "upper-case digest", method: "GET", url: tok + strings.ToUpper(b.Digest) + "/x", wantStatus: 400},
		{name: "no name", method: "GET", url: tok + b.Digest, wantStatus: 400},
		{name: "empty name", method: "GET", url: tok + b.Digest + "/", wantStatus: 400},
		{name: "extra segment", method: "GET", url: tok + b.Digest + "/a/b", wantStatus: 400},
		{name: "wrong prefix", method: "GET", url: srv.URL + "/blobs/j/" + s.URLToken("j", b.Digest) + "/" + b.Digest + "/x", wantStatus: 400},
		{name: "post", method: "POST", url: url, wantStatus: 405, wantHeader: map[string]string{"Allow": "GET, HEAD"}},
		{name: "put", method: "PUT", url: url, wantStatus: 405},
		{name: "delete", method: "DELETE", url: url, wantStatus: 405},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req, err := http.NewRequest(tt.method, tt.url, nil)
			if err != nil {
				t.Fatal(err)
			}
			for k, v := range tt.header {
				req.Header.Set(k, v)
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			body, _ := io.ReadAll(resp.Body)
			if resp.StatusCode != tt.wantStatus {
				t.Fatalf("status = %d (%s), want %d", resp.StatusCode, body, tt.wantStatus)
			}
			if tt.wantStatus < 300 && string(body) != tt.wantBody {
				t.Errorf("body = %q, want %q", body, tt.wantBody)
			}
			if tt.wantStatus >= 400 && (len(body) == 0 || strings.Count(string(body), "\n") != 1) {
				t.Errorf("refusal body = %q, want a one-line reason", body)
			}
			for k, v := range tt.wantHeader {
				if got := resp.Header.Get(k); got != v {
					t.Errorf("header %s = %q, want %q", k, got, v)
				}
			}
			if tt.wantStatus == 200 && resp.Header.Get("Last-Modified") == "" {
				t.Error("no Last-Modified header")
			}
		})
	}
}

// rawGet sends a request line exactly as given, bypassing any client-side
// path cleaning, and returns the status code.
func rawGet(t *testing.T, addr, target string) int {
	t.Helper()
	conn, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	fmt.Fprintf(conn, "GET %s HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", target)
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

func TestHandlerRefusesTraversal(t *testing.T) {
	srv, s, b, _ := serveStaged(t)
	addr := strings.TrimPrefix(srv.URL, "http://")
	d := "j/" + s.URLToken("j", b.Digest) + "/" + b.Digest
	targets := []string{
		"/artifacts/../x",
		"/artifacts/../../etc/passwd",
		"/artifacts/%2e%2e/x",
		"/artifacts/%2E%2E%2Fetc/passwd",
		"/artifacts/" + d + "/..",
		"/artifacts/" + d + "/%2e%2e",
		"/artifacts/" + d + "/..%2f..%2fetc%2fpasswd",
		"/artifacts/" + d + "/%2Fetc%2Fpasswd",
		"/artifacts/" + d + "/a%00b",
		"/artifacts/" + d + "/a%5c..%5cb",
		"/artifacts/" + d + "/%zz",
		"/artifacts/../blobs/sha256/" + d,
		"/artifacts/" + d + "/../" + d + "/x",
	}
	for _, target := range targets {
		t.Run(target, func(t *testing.T) {
			if got := rawGet(t, addr, target); got != http.StatusBadRequest {
				t.Errorf("GET %s = %d, want 400", target, got)
			}
		})
	}
}

// TestServeTime: a blob's answer may take a minute plus a second per MiB.
func TestServeTime(t *testing.T) {
	for size, want := range map[int64]time.Duration{
		0: time.Minute, 1 << 20: time.Minute + time.Second, 1 << 30: time.Minute + 1024*time.Second,
	} {
		if got := serveTime(size); got != want {
			t.Errorf("serveTime(%d) = %v, want %v", size, got, want)
		}
	}
}
