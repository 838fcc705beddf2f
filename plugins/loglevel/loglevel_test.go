package loglevel

import (
	"log/slog"
	"os/exec"
	"strings"
	"testing"
)

func TestParse(t *testing.T) {
	for _, tc := range []struct {
		name string
		want slog.Level
	}{
		{"debug", slog.LevelDebug},
		{"TRACE", slog.LevelDebug},
		{"info", slog.LevelInfo},
		{"", slog.LevelInfo},
		{"verbose", slog.LevelInfo},
		{"Warn", slog.LevelWarn},
		{"warning", slog.LevelWarn},
		{"error", slog.LevelError},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := Parse(tc.name); got != tc.want {
				t.Errorf("Parse(%q) = %v, want %v", tc.name, got, tc.want)
			}
		})
	}
}

func TestNameRoundTrips(t *testing.T) {
	for _, tc := range []struct {
		lvl  slog.Level
		want string
	}{
		{slog.LevelDebug - 4, "debug"},
		{slog.LevelDebug, "debug"},
		{slog.LevelInfo, "info"},
		{slog.LevelInfo + 2, "info"},
		{slog.LevelWarn, "warn"},
		{slog.LevelError, "error"},
		{slog.LevelError + 4, "error"},
	} {
		t.Run(tc.want, func(t *testing.T) {
			got := Name(tc.lvl)
			if got != tc.want {
				t.Errorf("Name(%v) = %q, want %q", tc.lvl, got, tc.want)
			}
			if Name(Parse(got)) != got {
				t.Errorf("Name(Parse(%q)) = %q", got, Name(Parse(got)))
			}
		})
	}
}

// TestImportsOnlyStd keeps the package light for batchd's core.
func TestImportsOnlyStd(t *testing.T) {
	out, err := exec.Command("go", "list", "-deps", "-f", "{{if not .Standard}}{{.ImportPath}}{{end}}", ".").Output()
	if err != nil {
		t.Fatalf("go list -deps: %v", err)
	}
	if got := strings.Fields(string(out)); len(got) != 1 || got[0] != "github.com/batchd/batchd/plugins/loglevel" {
		t.Errorf("non-standard dependencies %q, want only the package itself", got)
	}
}
