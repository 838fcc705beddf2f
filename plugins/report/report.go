// Package report is the task side of batchd's task protocol: the
// environment variables batchd sets in every task and Post, which sends a
// task's result to the collector they name.
//
// It imports only the standard library, so a task program that reports its
// result stays small and starts fast; the plugin SDK re-exports it
// (sdk.Report). A task in any other language does the same with curl:
//
//	curl -fsS -H "Authorization: Bearer $BATCHD_TASK_TOKEN" \
//	    -d '{"output":{"sum":"6"},"display":"sum of 1 2 3 = 6"}' "$BATCHD_COLLECTOR_URL"
package report

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"time"
)

// The task protocol: batchd sets these variables in every task's
// environment; the task POSTs one JSON Body to EnvCollectorURL with the
// header "Authorization: Bearer $BATCHD_TASK_TOKEN".
const (
	// EnvCollectorURL is the full URL the task POSTs its result to.
	EnvCollectorURL = "BATCHD_COLLECTOR_URL"
	// EnvTaskID is the task's id (job-scoped id plus attempt, as batchd launched it).
	EnvTaskID = "BATCHD_TASK_ID"
	// EnvTaskToken is the task's bearer token.
	EnvTaskToken = "BATCHD_TASK_TOKEN"
)

// Body is the JSON body a task POSTs to the collector.
type Body struct {
	// Output is the task's result, any JSON value.
	Output json.RawMessage `json:"output"`
	// Display is the line batchd prints when the result arrives.
	Display string `json:"display,omitempty"`
}

// ErrNoCollector means the task was not started by batchd: the collector
// variables are missing from its environment.
var ErrNoCollector = errors.New("report: no collector in environment")

// Post posts a task's result to the collector named in its environment.
// output is marshalled as JSON; display is the line batchd prints. It
// retries connection errors and 5xx answers a few times with a growing
// pause, fails at once on any other non-2xx answer, and stops when ctx is
// done. Without the collector variables it returns an error wrapping
// ErrNoCollector.
func Post(ctx context.Context, output any, display string) error {
	return defaultPoster.post(ctx, output, display)
}

// poster holds Post's retry policy.
type poster struct {
	attempts int           // posts at most
	backoff  time.Duration // pause before the second post, doubled after each
	timeout  time.Duration // bound on one post
	// pause waits d or until ctx is done; nil means a timer. Tests replace it.
	pause func(ctx context.Context, d time.Duration) error
}

var defaultPoster = poster{attempts: 5, backoff: 200 * time.Millisecond, timeout: 30 * time.Second}

func (p poster) post(ctx context.Context, output any, display string) error {
	target, token := os.Getenv(EnvCollectorURL), os.Getenv(EnvTaskToken)
	if target == "" || token == "" {
		return fmt.Errorf("%w: %s and %s must be set", ErrNoCollector, EnvCollectorURL, EnvTaskToken)
	}
	out, err := json.Marshal(output)
	if err != nil {
		return fmt.Errorf("report: encoding result: %w", err)
	}
	body, err := json.Marshal(Body{Output: out, Display: display})
	if err != nil {
		return fmt.Errorf("report: encoding report: %w", err)
	}
	client := &http.Client{Timeout: p.timeout}
	backoff, pause := p.backoff, p.pause
	if pause == nil {
		pause = sleep
	}
	var last error
	for attempt := 0; attempt < p.attempts; attempt++ {
		if attempt > 0 {
			if err := pause(ctx, backoff); err != nil {
				return fmt.Errorf("report: posting result to %s: %w (after: %w)", redact(target), err, last)
			}
			backoff *= 2
		}
		retry, err := postOnce(ctx, client, target, token, body)
		if err == nil {
			return nil
		}
		if !retry {
			return err
		}
		last = err
	}
	return last
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

// postOnce makes one post and says whether a failure is worth retrying.
func postOnce(ctx context.Context, client *http.Client, target, token string, body []byte) (retry bool, err error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, target, bytes.NewReader(body))
	if err != nil {
		return false, fmt.Errorf("report: posting result to %s: %w", redact(target), err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := client.Do(req)
	if err != nil {
		return ctx.Err() == nil, fmt.Errorf("report: posting result: %w", err)
	}
	msg, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
	resp.Body.Close()
	switch {
	case resp.StatusCode/100 == 2:
		return false, nil
	case resp.StatusCode >= 500:
		return true, fmt.Errorf("report: collector %s answered %s: %s", redact(target), resp.Status, bytes.TrimSpace(msg))
	default:
		return false, fmt.Errorf("report: collector %s refused result: %s: %s", redact(target), resp.Status, bytes.TrimSpace(msg))
	}
}

// redact returns the collector URL for an error message, without a password.
func redact(target string) string {
	u, err := url.Parse(target)
	if err != nil {
		return "the collector URL in " + EnvCollectorURL
	}
	return u.Redacted()
}
