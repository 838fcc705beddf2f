package sdk

import (
	"encoding/json"
	"testing"
	"time"
)

func TestRetrySettingsSet(t *testing.T) {
	tests := []struct {
		key, value string
		ok, fails  bool
		want       RetrySettings
	}{
		{"retries", `3`, true, false, RetrySettings{Retries: 3}},
		{"retries", `-1`, true, true, RetrySettings{}},
		{"backoff", `"250ms"`, true, false, RetrySettings{Backoff: 250 * time.Millisecond}},
		{"max_backoff", `"1m"`, true, false, RetrySettings{MaxBackoff: time.Minute}},
		{"max_backoff", `60`, true, true, RetrySettings{}},
		{"timeout", `"1s"`, false, false, RetrySettings{}},
	}
	for _, tt := range tests {
		t.Run(tt.key+"="+tt.value, func(t *testing.T) {
			var s RetrySettings
			ok, err := s.Set(tt.key, json.RawMessage(tt.value))
			if ok != tt.ok || (err != nil) != tt.fails {
				t.Fatalf("Set = %v, %v; want ok %v, failing %v", ok, err, tt.ok, tt.fails)
			}
			if !tt.fails && s != tt.want {
				t.Errorf("settings %+v, want %+v", s, tt.want)
			}
		})
	}
	b := RetrySettings{Retries: 2, Backoff: time.Second, MaxBackoff: time.Minute}.NewBackoff()
	if b.Base != time.Second || b.Max != time.Minute || b.Retries != 2 || b.Attempts() != 0 {
		t.Errorf("NewBackoff = %+v", b)
	}
}
