package collector

import (
	"bytes"
	"encoding/hex"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func TestHandlerStatuses(t *testing.T) {
	const good = `{"output": {"sum": 6}, "display": "sum of 1 2 3 = 6"}`
	tests := []struct {
		name string
		// before runs first, given the task's token; it may post.
		before func(t *testing.T, fx *fixture, tok string)
		rq     func(fx *fixture, tok string) request
		// com, when set, is the collector's Committer.
		com        *memCommitter
		wantStatus int
		wantReason string // substring of the one-line reason
		wantHeader map[string]string
		wantStored bool // task-1's result is committed afterwards
		wantCalls  int  // OnResult calls in all
	}{
		{name: "stored", rq: func(_ *fixture, tok string) request { return request{auth: "Bearer " + tok, ctype: jsonCT, body: good} },
			wantStatus: 200, wantReason: "stored", wantStored: true, wantCalls: 1},
		{name: "charset and scheme case", rq: func(_ *fixture, tok string) request {
			return request{auth: "bearer " + tok, ctype: "application/json; charset=UTF-8", body: good}
		}, wantStatus: 200, wantStored: true, wantCalls: 1},
		{name: "identical repost", before: postOK(good), rq: func(_ *fixture, tok string) request {
			return request{auth: "Bearer " + tok, ctype: jsonCT, body: `{"display":"sum of 1 2 3 = 6","output":{ "sum" : 6 }}`}
		}, wantStatus: 200, wantReason: "already stored", wantStored: true, wantCalls: 1},
		{name: "different repost", before: postOK(good), rq: func(_ *fixture, tok string) request {
			return request{auth: "Bearer " + tok, ctype: jsonCT, body: `{"output": {"sum": 7}}`}
		}, wantStatus: 409, wantReason: "different result", wantStored: true, wantCalls: 1},
		{name: "attempt never registered", rq: func(fx *fixture, _ string) request {
			return request{path: "/v1/results/task-2", auth: "Bearer " + tokenOf(fx, "task-2"), ctype: jsonCT, body: good}
		}, wantStatus: 409, wantReason: `attempt "task-2" is no longer current (superseded, killed, timed out, or its task already has a result); result not kept`},
		{name: "attempt forgotten", before: func(t *testing.T, fx *fixture, _ string) { fx.c.Forget("task-1") },
			rq:         func(_ *fixture, tok string) request { return request{auth: "Bearer " + tok, ctype: jsonCT, body: good} },
			wantStatus: 409, wantReason: `attempt "task-1" is no longer current`},
		{name: "repost after the attempt was forgotten", before: func(t *testing.T, fx *fixture, tok string) {
			postOK(good)(t, fx, tok)
			fx.c.Forget("task-1")
		}, rq: func(_ *fixture, tok string) request { return request{auth: "Bearer " + tok, ctype: jsonCT, body: good} },
			wantStatus: 409, wantReason: "no longer current", wantStored: true, wantCalls: 1},
		{name: "forgotten attempt with a wrong token", before: func(t *testing.T, fx *fixture, _ string) { fx.c.Forget("task-1") },
			rq: func(*fixture, string) request {
				return request{auth: "Bearer " + strings.Repeat("0", 64), ctype: jsonCT, body: good}
			}, wantStatus: 403},
		{name: "commit failed", com: &memCommitter{fail: func(int) error { return errDiskGone }},
			rq:         func(_ *fixture, tok string) request { return request{auth: "Bearer " + tok, ctype: jsonCT, body: good} },
			wantStatus: 503, wantReason: "storing result: disk gone"},
		{name: "no task id", rq: func(_ *fixture, tok string) request {
			return request{path: "/v1/results/", auth: "Bearer " + tok, ctype: jsonCT, body: good}
		}, wantStatus: 404},
		{name: "nested path", rq: func(_ *fixture, tok string) request {
			return request{path: "/v1/results/task-1/x", auth: "Bearer " + tok, ctype: jsonCT, body: good}
		}, wantStatus: 404},
		{name: "other path", rq: func(_ *fixture, tok string) request {
			return request{path: "/v2/x", auth: "Bearer " + tok, ctype: jsonCT, body: good}
		},
			wantStatus: 404},
		{name: "no authorization", rq: func(*fixture, string) request { return request{ctype: jsonCT, body: good} },
			wantStatus: 401, wantHeader: map[string]string{"WWW-Authenticate": `Bearer realm="batchd"`}},
		{name: "basic auth", rq: func(_ *fixture, tok string) request { return request{auth: "Basic " + tok, ctype: jsonCT, body: good} },
			wantStatus: 401, wantHeader: map[string]string{"WWW-Authenticate": `Bearer realm="batchd"`}},
		{name: "bearer without token", rq: func(*fixture, string) request { return request{auth: "Bearer", ctype: jsonCT, body: good} },
			wantStatus: 401},
		{name: "bearer two words", rq: func(_ *fixture, tok string) request {
			return request{auth: "Bearer " + tok + " x", ctype: jsonCT, body: good}
		},
			wantStatus: 401},
		{name: "wrong token", rq: func(*fixture, string) request {
			return request{auth: "Bearer " + strings.Repeat("0", 64), ctype: jsonCT, body: good}
		},
			wantStatus: 403, wantReason: "wrong token"},
		{name: "token not hex", rq: func(*fixture, string) request {
			return request{auth: "Bearer not-a-token", ctype: jsonCT, body: good}
		}, wantStatus: 403},
		{name: "another task's token", before: func(t *testing.T, fx *fixture, _ string) { fx.register(t, "task-2") },
			rq: func(_ *fixture, tok string) request {
				return request{path: "/v1/results/task-2", auth: "Bearer " + tok, ctype: jsonCT, body: good}
			}, wantStatus: 403},
		{name: "get", rq: func(_ *fixture, tok string) request { return request{method: "GET", auth: "Bearer " + tok} },
			wantStatus: 405, wantHeader: map[string]string{"Allow": "POST"}},
		{name: "put", rq: func(_ *fixture, tok string) request {
			return request{method: "PUT", auth: "Bearer " + tok, ctype: jsonCT, body: good}
		},
			wantStatus: 405},
		{name: "text/plain", rq: func(_ *fixture, tok string) request {
			return request{auth: "Bearer " + tok, ctype: "text/plain", body: good}
		},
			wantStatus: 415, wantReason: "application/json"},
		{name: "no content type", rq: func(_ *fixture, tok string) request { return request{auth: "Bearer " + tok, body: good} },
			wantStatus: 415},
		{name: "latin1", rq: func(_ *fixture, tok string) request {
			return request{auth: "Bearer " + tok, ctype: "application/json; charset=iso-8859-1", body: good}
		}, wantStatus: 415},
		{name: "too big", rq: func(_ *fixture, tok string) request {
			return request{auth: "Bearer " + tok, ctype: jsonCT, body: `{"output":"` + strings.Repeat("x", 2048) + `"}`}
		}, wantStatus: 413, wantReason: "larger than 1024 bytes"},
		{name: "not json", rq: func(_ *fixture, tok string) request {
			return request{auth: "Bearer " + tok, ctype: jsonCT, body: "sum=6"}
		},
			wantStatus: 400, wantReason: "not a JSON report object"},
		{name: "empty body", rq: func(_ *fixture, tok string) request { return request{auth: "Bearer " + tok, ctype: jsonCT} },
			wantStatus: 400, wantReason: "empty body"},
		{name: "array", rq: func(_ *fixture, tok string) request {
			return request{auth: "Bearer " + tok, ctype: jsonCT, body: "[6]"}
		},
			wantStatus: 400},
		{name: "missing output", rq: func(_ *fixture, tok string) request {
			return request{auth: "Bearer " + tok, ctype: jsonCT, body: `{"display":"6"}`}
		}, wantStatus: 400, wantReason: `missing "output"`},
		{name: "null output", rq: func(_ *fixture, tok string) request {
			return request{auth: "Bearer " + tok, ctype: jsonCT, body: `{"output":null}`}
		},
			wantStatus: 400, wantReason: `missing "output"`},
		{name: "display not a string", rq: func(_ *fixture, tok string) request {
			return request{auth: "Bearer " + tok, ctype: jsonCT, body: `{"output":1,"display":2}`}
		}, wantStatus: 400},
		{name: "display forging a summary line", rq: func(_ *fixture, tok string) request {
			return request{auth: "Bearer " + tok, ctype: jsonCT, body: `{"output":1,"display":"x\njob big: 2000 tasks finished, total 0"}`}
		}, wantStatus: 400, wantReason: `"display": control character U+000A at byte 1`},
		{name: "display with a terminal escape", rq: func(_ *fixture, tok string) request {
			return request{auth: "Bearer " + tok, ctype: jsonCT, body: `{"output":1,"display":"red \u001b[31m"}`}
		}, wantStatus: 400, wantReason: "U+001B"},
		{name: "display with a C1 control", rq: func(_ *fixture, tok string) request {
			return request{auth: "Bearer " + tok, ctype: jsonCT, body: `{"output":1,"display":"a\u009bb"}`}
		}, wantStatus: 400, wantReason: "U+009B"},
		{name: "trailing garbage", rq: func(_ *fixture, tok string) request {
			return request{auth: "Bearer " + tok, ctype: jsonCT, body: `{"output":1} {"output":2}`}
		}, wantStatus: 400, wantReason: "trailing data"},
		{name: "closed", before: func(t *testing.T, fx *fixture, _ string) { fx.c.Close() },
			rq: func(_ *fixture, tok string) request { return request{auth: "Bearer " + tok, ctype: jsonCT, body: good} }, wantStatus: 503},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			opts := Options{MaxBody: 1024}
			if tt.com != nil {
				opts.Committer = tt.com
			}
			fx := newFixture(t, opts)
			tok := fx.register(t, "task-1")
			if tt.before != nil {
				tt.before(t, fx, tok)
			}
			resp, body := fx.do(t, tt.rq(fx, tok))
			if resp.StatusCode != tt.wantStatus {
				t.Fatalf("status = %d %q, want %d", resp.StatusCode, body, tt.wantStatus)
			}
			if strings.Count(body, "\n") != 1 || !strings.HasSuffix(body, "\n") || len(body) < 3 {
				t.Errorf("answer %q is not a one-line reason", body)
			}
			if !strings.Contains(body, tt.wantReason) {
				t.Errorf("answer %q does not contain %q", body, tt.wantReason)
			}
			if strings.Contains(body, tok) {
				t.Errorf("answer %q contains the token", body)
			}
			for k, v := range tt.wantHeader {
				if got := resp.Header.Get(k); got != v {
					t.Errorf("header %s = %q, want %q", k, got, v)
				}
			}
			r, ok := fx.com.result("task-1")
			if ok != tt.wantStored {
				t.Fatalf("result committed = %v, want %v", ok, tt.wantStored)
			}
			if ok && (string(r.Output) != `{"sum":6}` || r.Display != "sum of 1 2 3 = 6" || r.TaskID != "task-1" || r.Received.IsZero()) {
				t.Errorf("committed result = %+v", r)
			}
			if n := fx.onResultCalls(); n != tt.wantCalls {
				t.Errorf("OnResult called %d times, want %d", n, tt.wantCalls)
			}
		})
	}
}

// countingReader yields n bytes of a JSON string body and counts what was read.
type countingReader struct {
	r    io.Reader
	read int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.read += int64(n)
	return n, err
}

func TestHandlerStopsReadingOversizedBody(t *testing.T) {
	c, err := New(Options{Committer: &memCommitter{}, MaxBody: 4096})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	tok, err := c.Register("t")
	if err != nil {
		t.Fatal(err)
	}
	body := &countingReader{r: io.MultiReader(strings.NewReader(`{"output":"`), bytes.NewReader(make([]byte, 64<<20)))}
	req := httptest.NewRequest(http.MethodPost, "/v1/results/t", body)
	req.ContentLength = -1 // unknown length, as with a chunked upload
	req.Header.Set("Authorization", "Bearer "+tok)
	req.Header.Set("Content-Type", jsonCT)
	rec := httptest.NewRecorder()
	c.Handler().ServeHTTP(rec, req)
	if rec.Code != http.StatusRequestEntityTooLarge {
		t.Fatalf("status = %d %q, want 413", rec.Code, rec.Body)
	}
	if body.read > 64<<10 {
		t.Fatalf("read %d bytes of an oversized body, want to stop near the 4096-byte bound", body.read)
	}
}

func TestURL(t *testing.T) {
	c, err := New(Options{Committer: &memCommitter{}})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	tests := []struct{ base, id, want string }{
		{"http://10.0.0.5:8080", "job-0.1", "http://10.0.0.5:8080/v1/results/job-0.1"},
		{"http://h:1/", "a/b c", "http://h:1/v1/results/a%2Fb%20c"},
	}
	for _, tt := range tests {
		t.Run(tt.id, func(t *testing.T) {
			if got := c.URL(tt.base, tt.id); got != tt.want {
				t.Errorf("URL = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestTaskIDWithSlashRoundTrips(t *testing.T) {
	fx := newFixture(t, Options{})
	tok := fx.register(t, "job/a b")
	path := strings.TrimPrefix(fx.c.URL(fx.srv.URL, "job/a b"), fx.srv.URL)
	resp, body := fx.do(t, request{path: path, auth: "Bearer " + tok, ctype: jsonCT, body: `{"output":1}`})
	if resp.StatusCode != 200 {
		t.Fatalf("status %d %s", resp.StatusCode, body)
	}
	if _, ok := fx.com.result("job/a b"); !ok {
		t.Fatal("result not stored under the unescaped id")
	}
}

// tokenOf is attempt id's valid token under fx's key, registered or not.
func tokenOf(fx *fixture, id string) string {
	return hex.EncodeToString(fx.c.mac(id))
}

// TestCheckDisplay: a display line is any one line of printable text.
func TestCheckDisplay(t *testing.T) {
	for d, ok := range map[string]bool{
		"sum of 1 2 3 = 6": true, "Σ 1 2 3 = 6 ✓": true, "": true, "\uFFFD": true,
		"a\nb": false, "a\rb": false, "a\tb": false, "\x1b[2J": false, "\x7f": false, "\u0085": false,
	} {
		if err := checkDisplay(d); (err == nil) != ok {
			t.Errorf("checkDisplay(%q) = %v, want ok %v", d, err, ok)
		}
	}
}
