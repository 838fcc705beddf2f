// Package report is the task side of batchd's task protocol: the
// environment variables batchd sets in every task and Post, which sends a
// task's result to the collector they name.
//
// Post keeps trying for a bounded time, so that a task outlives a restart
// of batchd, which comes back on the same collector address with the same
// tokens. It retries refused, reset and timed-out connections and the
// answers 408, 429 and 5xx, pausing 200 ms, then twice as long each time
// up to 5 s, with jitter, and never sooner than a 503 or 429 answer's
// Retry-After asks (bounded by the same 5 s). It gives up
// DefaultDeadline (2 minutes) after its first post, or after the Go
// duration in $BATCHD_REPORT_DEADLINE ("0" posts once), naming the
// collector and the last error. Any other answer fails at once, as does a
// certificate the task does not trust (over https, $BATCHD_COLLECTOR_CA
// adds batchd's own CA to the system's roots); 409 Conflict means batchd
// no longer counts this attempt (ErrSuperseded).
//
// It imports only the standard library, so a task program that reports its
// result stays small and starts fast; the plugin SDK re-exports it
// (sdk.Report). A task in any other language does the same with curl:
//
//	curl -fsS --retry 30 --retry-connrefused --retry-max-time 120 \
//	    -H "Authorization: Bearer $BATCHD_TASK_TOKEN" \
//	    -d '{"output":{"sum":"6"},"display":"sum of 1 2 3 = 6"}' "$BATCHD_COLLECTOR_URL"
package report

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"os"
	"time"
)

// The task protocol: batchd sets the first three variables in every task's
// environment; the task POSTs one JSON Body to EnvCollectorURL with the
// header "Authorization: Bearer $BATCHD_TASK_TOKEN".
const (
	// EnvCollectorURL is the full URL the task POSTs its result to.
	EnvCollectorURL = "BATCHD_COLLECTOR_URL"
	// EnvTaskID is the task's id (job-scoped id plus attempt, as batchd launched it).
	EnvTaskID = "BATCHD_TASK_ID"
	// EnvTaskToken is the task's bearer token.
	EnvTaskToken = "BATCHD_TASK_TOKEN"
	// EnvReportDeadline, when set, is how long Post keeps trying, as a Go
	// duration such as "30s" or "5m"; "0" posts once, without retries.
	// batchd does not set it; a workload may put it in a task's Env.
	// Unset or empty, Post uses DefaultDeadline.
	EnvReportDeadline = "BATCHD_REPORT_DEADLINE"
)

// DefaultDeadline is how long Post keeps trying when EnvReportDeadline is
// unset: long enough for batchd to be restarted after a crash.
const DefaultDeadline = 2 * time.Minute

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

// ErrSuperseded means the collector answered 409 Conflict: batchd no
// longer counts this attempt's result, because the attempt was killed,
// timed out or replaced by a newer one, or its task already has a
// different result. Posting again cannot help.
var ErrSuperseded = errors.New("report: attempt superseded")

// Post posts a task's result to the collector named in its environment.
// output is marshalled as JSON; display is the line batchd prints. It
// retries as the package comment says until its deadline, and stops at
// once when ctx is done, returning ctx's error. Without the collector
// variables it returns an error wrapping ErrNoCollector; on 409 Conflict
// one wrapping ErrSuperseded.
func Post(ctx context.Context, output any, display string) error {
	return defaultPoster.post(ctx, output, display)
}

// fromEnv reads the collector's URL, the task's token and Post's
// deadline from the environment.
func fromEnv() (target, token string, deadline time.Duration, err error) {
	target, token = os.Getenv(EnvCollectorURL), os.Getenv(EnvTaskToken)
	if target == "" || token == "" {
		return "", "", 0, fmt.Errorf("%w: %s and %s must be set", ErrNoCollector, EnvCollectorURL, EnvTaskToken)
	}
	if u, perr := url.Parse(target); perr != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return "", "", 0, fmt.Errorf("report: %s=%s: want an http:// or https:// URL", EnvCollectorURL, redact(target))
	}
	deadline, err = deadlineFromEnv()
	return target, token, deadline, err
}

// deadlineFromEnv is EnvReportDeadline as a duration, DefaultDeadline when
// it is unset.
func deadlineFromEnv() (time.Duration, error) {
	v := os.Getenv(EnvReportDeadline)
	if v == "" {
		return DefaultDeadline, nil
	}
	d, err := time.ParseDuration(v)
	if err == nil && d < 0 {
		err = errors.New("negative")
	}
	if err != nil {
		return 0, fmt.Errorf("report: %s=%q: want a Go duration such as \"2m\" or \"0\": %w", EnvReportDeadline, v, err)
	}
	return d, nil
}

// redact returns the collector URL for an error message, without a password.
func redact(target string) string {
	u, err := url.Parse(target)
	if err != nil {
		return "the collector URL in " + EnvCollectorURL
	}
	return u.Redacted()
}
