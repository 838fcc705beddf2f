// Package loglevel is what batchd and its plugins agree on about a plugin's
// log level: the environment variable batchd sets to the level it wants, and
// the level names that travel in the plugin's JSON log lines. It needs only
// the standard library, so either side imports it without weight; plugin
// authors reach it through the SDK (sdk.EnvLogLevel, sdk.Logger).
package loglevel

import (
	"log/slog"
	"strings"
)

// Env is the environment variable batchd sets, when it launches a plugin,
// to the level ("debug", "info", "warn", "error") it wants the plugin to
// log at.
const Env = "BATCHD_PLUGIN_LOG_LEVEL"

// Parse returns the level a name stands for, case insensitive: "trace" and
// "debug" are debug, "warn" and "warning" warn, "error" error; anything else
// (empty included) is info.
func Parse(name string) slog.Level {
	switch strings.ToLower(name) {
	case "debug", "trace":
		return slog.LevelDebug
	case "warn", "warning":
		return slog.LevelWarn
	case "error":
		return slog.LevelError
	}
	return slog.LevelInfo
}

// Name returns the name of the band lvl falls in: "debug" below info,
// "error" from error up, "warn" from warn up, else "info". Parse(Name(l))
// is l's band.
func Name(lvl slog.Level) string {
	switch {
	case lvl < slog.LevelInfo:
		return "debug"
	case lvl >= slog.LevelError:
		return "error"
	case lvl >= slog.LevelWarn:
		return "warn"
	}
	return "info"
}
