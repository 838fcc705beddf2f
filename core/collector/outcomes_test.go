package collector

import (
	"net/http"
	"strings"
	"sync"
	"testing"
)

// TestPostOutcomes checks the outcome OnPost is told for each kind of
// post. OnPost runs before the handler returns, and so before a short
// answer leaves the server.
func TestPostOutcomes(t *testing.T) {
	const good = `{"output": {"sum": 6}}`
	post := func(tok string) request { return request{auth: "Bearer " + tok, ctype: jsonCT, body: good} }
	tests := []struct {
		name   string
		opts   Options
		before func(t *testing.T, fx *fixture, tok string)
		rq     func(fx *fixture, tok string) request
		want   []string // every outcome, before's included
	}{
		{name: "accepted", rq: func(_ *fixture, tok string) request { return post(tok) }, want: []string{PostAccepted}},
		{name: "duplicate", before: postOK(good), rq: func(_ *fixture, tok string) request { return post(tok) },
			want: []string{PostAccepted, PostDuplicate}},
		{name: "conflict", before: postOK(good), rq: func(_ *fixture, tok string) request {
			return request{auth: "Bearer " + tok, ctype: jsonCT, body: `{"output": 7}`}
		}, want: []string{PostAccepted, PostConflict}},
		{name: "superseded", before: func(t *testing.T, fx *fixture, _ string) { fx.c.Forget("task-1") },
			rq: func(_ *fixture, tok string) request { return post(tok) }, want: []string{PostSuperseded}},
		{name: "resuming", opts: Options{Hold: true}, rq: func(fx *fixture, _ string) request {
			return request{path: "/v1/results/task-2", auth: "Bearer " + tokenOf(fx, "task-2"), ctype: jsonCT, body: good}
		}, want: []string{PostResuming}},
		{name: "unavailable", opts: Options{Committer: &memCommitter{fail: func(int) error { return errDiskGone }}},
			rq: func(_ *fixture, tok string) request { return post(tok) }, want: []string{PostUnavailable}},
		{name: "bad request", rq: func(_ *fixture, tok string) request {
			return request{auth: "Bearer " + tok, ctype: jsonCT, body: `[1]`}
		}, want: []string{PostBadRequest}},
		{name: "unauthorized", rq: func(*fixture, string) request { return request{ctype: jsonCT, body: good} },
			want: []string{PostUnauthorized}},
		{name: "forbidden", rq: func(*fixture, string) request {
			return request{auth: "Bearer " + strings.Repeat("0", 64), ctype: jsonCT, body: good}
		}, want: []string{PostForbidden}},
		{name: "not found", rq: func(_ *fixture, tok string) request {
			return request{path: "/v1/results/", auth: "Bearer " + tok, ctype: jsonCT, body: good}
		}, want: []string{PostNotFound}},
		{name: "method", rq: func(_ *fixture, tok string) request {
			return request{method: http.MethodGet, auth: "Bearer " + tok}
		}, want: []string{PostBadMethod}},
		{name: "too large", opts: Options{MaxBody: 8}, rq: func(_ *fixture, tok string) request { return post(tok) },
			want: []string{PostTooLarge}},
		{name: "content type", rq: func(_ *fixture, tok string) request {
			return request{auth: "Bearer " + tok, ctype: "text/plain", body: good}
		}, want: []string{PostBadContentType}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var (
				mu  sync.Mutex
				got []string
			)
			opts := tt.opts
			opts.OnPost = func(o string) {
				mu.Lock()
				got = append(got, o)
				mu.Unlock()
			}
			fx := newFixture(t, opts)
			tok := fx.register(t, "task-1")
			if tt.before != nil {
				tt.before(t, fx, tok)
			}
			fx.do(t, tt.rq(fx, tok))
			mu.Lock()
			defer mu.Unlock()
			if strings.Join(got, ",") != strings.Join(tt.want, ",") {
				t.Errorf("outcomes %q, want %q", got, tt.want)
			}
		})
	}
}
