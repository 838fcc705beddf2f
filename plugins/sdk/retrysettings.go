package sdk

import (
	"encoding/json"
	"time"
)

// RetrySettings are the retry settings a fetcher offers its users, with
// their keys: embed it in the fetcher's Config, let Set decode its keys in
// the Configure callback, and pace each fetch with NewBackoff. Durations
// are strings such as "500ms" in JSON.
type RetrySettings struct {
	// Retries is how many times a failed attempt is retried ("retries").
	Retries int
	// Backoff is the wait before the first retry ("backoff"); it doubles
	// on each retry up to MaxBackoff ("max_backoff"), with random jitter.
	Backoff    time.Duration
	MaxBackoff time.Duration
}

// Set decodes the value of key into s when key is one of its keys
// ("retries" is a count of 0 or more, "backoff" and "max_backoff"
// durations) and reports whether it was.
func (s *RetrySettings) Set(key string, raw json.RawMessage) (ok bool, err error) {
	switch key {
	case "retries":
		return true, SettingCount(raw, &s.Retries, 0)
	case "backoff":
		return true, SettingDuration(raw, &s.Backoff)
	case "max_backoff":
		return true, SettingDuration(raw, &s.MaxBackoff)
	}
	return false, nil
}

// NewBackoff returns a Backoff for one operation paced by s.
func (s RetrySettings) NewBackoff() *Backoff {
	return &Backoff{Base: s.Backoff, Max: s.MaxBackoff, Retries: s.Retries}
}
