package sdk

import (
	"bytes"
	"encoding/json"
	"log/slog"
	"testing"
	"time"
)

// The plugin's log lines must be in the form go-plugin parses on batchd's
// side: @level, @message, @timestamp (with microseconds), then the fields.
func TestLogLinesAreHclogJSON(t *testing.T) {
	tests := []struct {
		name  string
		level slog.Level
		want  string
	}{
		{name: "debug", level: slog.LevelDebug, want: "debug"},
		{name: "info", level: slog.LevelInfo, want: "info"},
		{name: "warn", level: slog.LevelWarn, want: "warn"},
		{name: "error", level: slog.LevelError, want: "error"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var buf bytes.Buffer
			log := slog.New(slog.NewJSONHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug, ReplaceAttr: hclogKeys}))
			log.Log(t.Context(), tc.level, "planning", "job", "sums", "tasks", 3)
			var m map[string]any
			if err := json.Unmarshal(buf.Bytes(), &m); err != nil {
				t.Fatalf("line %q: %v", buf.String(), err)
			}
			if m["@level"] != tc.want || m["@message"] != "planning" || m["job"] != "sums" || m["tasks"] != 3.0 {
				t.Errorf("line = %v", m)
			}
			if _, err := time.Parse("2006-01-02T15:04:05.000000Z07:00", m["@timestamp"].(string)); err != nil {
				t.Errorf("@timestamp: %v", err)
			}
		})
	}
}

func TestLogLevelFromEnvironment(t *testing.T) {
	for env, want := range map[string]slog.Level{"": slog.LevelInfo, "debug": slog.LevelDebug, "WARN": slog.LevelWarn, "error": slog.LevelError} {
		t.Setenv(EnvLogLevel, env)
		if got := logLevel(); got != want {
			t.Errorf("%s=%q: level %v, want %v", EnvLogLevel, env, got, want)
		}
	}
}
