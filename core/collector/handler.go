package collector

import (
	"bytes"
	"errors"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// resultsPrefix is the URL path under which tasks post results.
const resultsPrefix = "/v1/results/"

// Handler serves POST /v1/results/<attempt id>. The answers:
//
//	200 the result is committed (or is an identical re-post of the
//	    attempt's committed result)
//	400 the body is not one JSON object with an "output"
//	401 no or malformed "Authorization: Bearer <token>"
//	403 the token is not the attempt's
//	404 a path other than /v1/results/<attempt id>
//	405 a method other than POST
//	409 the attempt is not current: never registered with this collector,
//	    or forgotten (superseded, killed, timed out, or its task settled)
//	    before its result's commit began; or it already posted a
//	    different result
//	413 the body is larger than Options.MaxBody
//	415 the Content-Type is not application/json
//	503 the Committer failed (the reason is its error; post again), or the
//	    collector is closed
//
// Every refusal carries a one-line plain-text reason.
func (c *Collector) Handler() http.Handler {
	return http.HandlerFunc(c.serve)
}

func (c *Collector) serve(w http.ResponseWriter, r *http.Request) {
	outcome := c.post(w, r)
	if c.onPost != nil {
		c.onPost(outcome)
	}
}

// post answers one request and returns its outcome (outcomes.go).
func (c *Collector) post(w http.ResponseWriter, r *http.Request) string {
	taskID, ok := parseResultPath(r.URL.EscapedPath())
	if !ok {
		refuse(w, http.StatusNotFound, "no such endpoint; post results to "+resultsPrefix+"<task id>")
		return PostNotFound
	}
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		refuse(w, http.StatusMethodNotAllowed, "method "+r.Method+" not allowed; use POST")
		return PostBadMethod
	}
	token, ok := bearerToken(r.Header.Get("Authorization"))
	if !ok {
		w.Header().Set("WWW-Authenticate", `Bearer realm="batchd"`)
		refuse(w, http.StatusUnauthorized, "missing or malformed Authorization header; want \"Bearer <task token>\"")
		return PostUnauthorized
	}
	if !c.validToken(taskID, token) {
		c.log.Warn("collector: wrong token", "task", taskID, "remote", r.RemoteAddr)
		refuse(w, http.StatusForbidden, "wrong token for task "+strconv.Quote(taskID))
		return PostForbidden
	}
	if !c.isCurrent(taskID) {
		if c.held.Load() {
			// Its owner may not know the attempt yet (resuming): ask the
			// task to come back rather than refuse it for good.
			w.Header().Set("Retry-After", "1")
			refuse(w, http.StatusServiceUnavailable, "batchd is resuming its jobs; post again shortly")
			return PostResuming
		}
		c.log.Info("collector: refused a post from an attempt no longer current", "task", taskID)
		refuse(w, http.StatusConflict, notCurrent(taskID))
		return PostSuperseded
	}
	if !isJSON(r.Header.Get("Content-Type")) {
		refuse(w, http.StatusUnsupportedMediaType, "Content-Type must be application/json (UTF-8)")
		return PostBadContentType
	}
	body, status, reason := c.readBody(w, r)
	if status != 0 {
		refuse(w, status, reason)
		return bodyOutcome(status)
	}
	rep, err := decodeReport(body)
	if err != nil {
		refuse(w, http.StatusBadRequest, err.Error())
		return PostBadRequest
	}
	status, reason, outcome := c.store(r, Result{
		TaskID: taskID, Output: rep.Output, Display: rep.Display, Received: time.Now().UTC(),
	})
	if status != http.StatusOK {
		refuse(w, status, reason)
		return outcome
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.WriteHeader(http.StatusOK)
	io.WriteString(w, reason+"\n")
	return outcome
}

// readBody reads at most c.maxBody bytes of the body; over that it stops
// reading and returns 413.
func (c *Collector) readBody(w http.ResponseWriter, r *http.Request) ([]byte, int, string) {
	tooBig := "body larger than " + strconv.FormatInt(c.maxBody, 10) + " bytes"
	if r.ContentLength > c.maxBody {
		return nil, http.StatusRequestEntityTooLarge, tooBig
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, c.maxBody))
	var mbe *http.MaxBytesError
	switch {
	case errors.As(err, &mbe):
		return nil, http.StatusRequestEntityTooLarge, tooBig
	case err != nil:
		return nil, http.StatusBadRequest, "reading body: " + err.Error()
	}
	return body, 0, ""
}

// isCurrent reports whether attempt taskID may post.
func (c *Collector) isCurrent(taskID string) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.current[taskID] != nil
}

// notCurrent is the reason a post from an attempt that is not current is refused.
func notCurrent(taskID string) string {
	return "attempt " + strconv.Quote(taskID) + " is no longer current (superseded, killed, timed out, " +
		"or its task already has a result); result not kept"
}

// store accepts res as its attempt's result, unless the attempt has one,
// and returns the answer's status, reason and outcome.
func (c *Collector) store(r *http.Request, res Result) (int, string, string) {
	c.mu.Lock()
	if c.closed {
		c.mu.Unlock()
		return http.StatusServiceUnavailable, "collector is shutting down", PostUnavailable
	}
	a := c.current[res.TaskID]
	if a == nil { // forgotten since the check in serve
		c.mu.Unlock()
		return http.StatusConflict, notCurrent(res.TaskID), PostSuperseded
	}
	if p := a.res; p != nil {
		c.mu.Unlock()
		if !sameReport(p.result, res.Output, res.Display) {
			return http.StatusConflict, "task " + strconv.Quote(res.TaskID) + " already has a different result", PostConflict
		}
		select {
		case <-p.batch.done:
		case <-r.Context().Done():
			return http.StatusServiceUnavailable, "request ended while the result was being stored", PostUnavailable
		}
		if p.stale {
			return http.StatusConflict, notCurrent(res.TaskID), PostSuperseded
		}
		if err := p.batch.err; err != nil {
			return http.StatusServiceUnavailable, "storing result: " + err.Error(), PostUnavailable
		}
		return http.StatusOK, "result already stored", PostDuplicate
	}
	p := &pending{att: a, result: res}
	a.res = p
	c.joinLocked(p)
	c.inflight.Add(1)
	c.mu.Unlock()

	// The answer waits for the batch's commit (commit.go); a client gone
	// meanwhile does not matter: the result is stored either way.
	<-p.batch.done
	c.inflight.Done()
	if p.stale {
		return http.StatusConflict, notCurrent(res.TaskID), PostSuperseded
	}
	if err := p.batch.err; err != nil {
		c.log.Error("collector: storing result", "task", res.TaskID, "err", err)
		return http.StatusServiceUnavailable, "storing result: " + err.Error(), PostUnavailable
	}
	if c.onResult != nil {
		c.onResult(res)
	}
	return http.StatusOK, "result stored", PostAccepted
}

// sameReport reports whether a re-post carries the accepted result.
func sameReport(r Result, output []byte, display string) bool {
	return r.Display == display && bytes.Equal(r.Output, output)
}

// parseResultPath extracts the task id from /v1/results/<escaped id>.
func parseResultPath(escaped string) (string, bool) {
	rest, ok := strings.CutPrefix(escaped, resultsPrefix)
	if !ok || rest == "" || strings.Contains(rest, "/") {
		return "", false
	}
	id, err := url.PathUnescape(rest)
	if err != nil || id == "" {
		return "", false
	}
	return id, true
}

// bearerToken extracts the token from an Authorization header value.
func bearerToken(h string) (string, bool) {
	scheme, token, ok := strings.Cut(h, " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return "", false
	}
	token = strings.TrimSpace(token)
	if token == "" || strings.ContainsAny(token, " \t") {
		return "", false
	}
	return token, true
}

// isJSON reports whether a Content-Type is application/json, in UTF-8 if a
// charset is given.
func isJSON(ct string) bool {
	mt, params, err := mime.ParseMediaType(ct)
	if err != nil || mt != "application/json" {
		return false
	}
	cs, ok := params["charset"]
	return !ok || strings.EqualFold(cs, "utf-8") || strings.EqualFold(cs, "utf8")
}

// refuse answers with status and a one-line plain-text reason.
func refuse(w http.ResponseWriter, status int, reason string) {
	h := w.Header()
	h.Set("Content-Type", "text/plain; charset=utf-8")
	h.Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(status)
	io.WriteString(w, strings.ReplaceAll(reason, "\n", " ")+"\n")
}
