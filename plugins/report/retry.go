package report

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// poster holds Post's retry policy.
type poster struct {
	backoff  time.Duration // pause before the second post, doubled after each
	maxPause time.Duration // bound on one pause, Retry-After included
	timeout  time.Duration // bound on one post
	// Hooks that tests replace; nil means the real thing.
	pause  func(ctx context.Context, d time.Duration) error // waits d or until ctx is done
	now    func() time.Time
	jitter func(d time.Duration) time.Duration // spreads a pause
}

var defaultPoster = poster{backoff: 200 * time.Millisecond, maxPause: 5 * time.Second, timeout: 30 * time.Second}

// minPost is the least time worth leaving for a post: Post gives up rather
// than pause into the last second before its deadline.
const minPost = time.Second

func (p poster) post(ctx context.Context, output any, display string) error {
	target, token, deadline, err := fromEnv()
	if err != nil {
		return err
	}
	out, err := json.Marshal(output)
	if err != nil {
		return fmt.Errorf("report: encoding result: %w", err)
	}
	body, err := json.Marshal(Body{Output: out, Display: display})
	if err != nil {
		return fmt.Errorf("report: encoding report: %w", err)
	}
	pause, now, jitter := p.pause, p.now, p.jitter
	if pause == nil {
		pause = sleep
	}
	if now == nil {
		now = time.Now
	}
	if jitter == nil {
		jitter = spread
	}
	// postCtx bounds the posts in real time too, so that a post the
	// collector never answers cannot outlast the deadline.
	start, postCtx := now(), ctx
	end := start.Add(deadline)
	if deadline > 0 {
		var cancel context.CancelFunc
		postCtx, cancel = context.WithTimeout(ctx, deadline)
		defer cancel()
	}
	client, err := httpClient(p.timeout)
	if err != nil {
		return err
	}
	defer client.CloseIdleConnections()
	backoff := p.backoff
	var last error
	for posts := 1; ; posts++ {
		retry, after, err := postOnce(postCtx, client, target, token, body)
		switch {
		case err == nil:
			return nil
		case ctx.Err() != nil:
			return stopped(ctx, target, posts, err)
		case !retry:
			return err
		}
		last = err
		d := min(max(jitter(backoff), retryAfter(after, now())), p.maxPause)
		backoff = min(2*backoff, p.maxPause)
		if postCtx.Err() != nil || now().Add(d+minPost).After(end) {
			return fmt.Errorf("report: posting result to %s: gave up after %d %s in %s (deadline %s, from %s): %w",
				redact(target), posts, plural(posts, "post"), now().Sub(start).Round(time.Millisecond), deadline, EnvReportDeadline, last)
		}
		if err := pause(ctx, d); err != nil {
			return stopped(ctx, target, posts, last)
		}
	}
}

// stopped is Post's error when ctx ended it, with the last post's error.
func stopped(ctx context.Context, target string, posts int, last error) error {
	return fmt.Errorf("report: posting result to %s: %w (after %d %s; last error: %w)",
		redact(target), context.Cause(ctx), posts, plural(posts, "post"), last)
}

func plural(n int, word string) string {
	if n == 1 {
		return word
	}
	return word + "s"
}

// sleep waits d or until ctx is done, and returns ctx's error if it is.
func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// spread picks a pause in [d/2, d], so that tasks cut off together do not
// all post again at the same moment.
func spread(d time.Duration) time.Duration {
	if d <= 0 {
		return 0
	}
	return d/2 + rand.N(d-d/2+1)
}

// postOnce makes one post. A failure says whether it is worth retrying,
// and a 503 or 429 answer's Retry-After header.
func postOnce(ctx context.Context, client *http.Client, target, token string, body []byte) (retry bool, after string, err error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, target, bytes.NewReader(body))
	if err != nil {
		return false, "", fmt.Errorf("report: posting result to %s: %w", redact(target), err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := client.Do(req)
	if err != nil {
		var uerr *url.Error
		if errors.As(err, &uerr) {
			err = uerr.Err // its message repeats the URL
		}
		if !transient(err) {
			return false, "", fmt.Errorf("report: posting result to %s: %w", redact(target), err)
		}
		return true, "", err
	}
	msg, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
	resp.Body.Close()
	msg = bytes.TrimSpace(msg)
	code := resp.StatusCode
	switch {
	case code/100 == 2:
		return false, "", nil
	case code == http.StatusServiceUnavailable || code == http.StatusTooManyRequests:
		return true, resp.Header.Get("Retry-After"), fmt.Errorf("collector answered %s: %s", resp.Status, msg)
	case code >= 500 || code == http.StatusRequestTimeout:
		return true, "", fmt.Errorf("collector answered %s: %s", resp.Status, msg)
	case code == http.StatusConflict:
		return false, "", fmt.Errorf("%w: collector %s answered %s (%s); batchd no longer counts this attempt's result "+
			"(the attempt was killed, timed out or replaced by a newer one)", ErrSuperseded, redact(target), resp.Status, msg)
	default:
		return false, "", fmt.Errorf("report: collector %s refused the result: %s (%s)", redact(target), resp.Status, msg)
	}
}

// transient says whether a failed post may succeed later: a refused,
// reset or timed-out connection may be batchd restarting, and an unknown
// failure is given the benefit of the doubt. A certificate the task does
// not trust or a host name that does not exist will not get better.
func transient(err error) bool {
	var (
		verify   *tls.CertificateVerificationError
		unknown  x509.UnknownAuthorityError
		hostname x509.HostnameError
		invalid  x509.CertificateInvalidError
		dns      *net.DNSError
	)
	switch {
	case errors.As(err, &verify), errors.As(err, &unknown), errors.As(err, &hostname), errors.As(err, &invalid):
		return false
	case errors.As(err, &dns):
		return !dns.IsNotFound
	}
	return true
}

// retryAfter is how long a Retry-After header value asks to wait: whole
// seconds or an HTTP date; zero when absent or unreadable.
func retryAfter(v string, now time.Time) time.Duration {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0
	}
	if secs, err := strconv.ParseUint(v, 10, 32); err == nil {
		return time.Duration(secs) * time.Second
	}
	if t, err := http.ParseTime(v); err == nil && t.After(now) {
		return t.Sub(now)
	}
	return 0
}
