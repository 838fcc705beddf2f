package sdk

import (
	"log/slog"
	"os"

	"github.com/batchd/batchd/plugins/loglevel"
)

// EnvLogLevel is the environment variable batchd sets to the level
// ("debug", "info", "warn", "error") it wants plugins to log at.
const EnvLogLevel = loglevel.Env

// stderr is the process's real standard error, kept before go-plugin
// redirects os.Stderr: batchd reads log lines from it.
var stderr = os.Stderr

// Logger returns a logger that writes JSON lines to standard error in the
// form go-plugin forwards to batchd's log (keys @level, @message,
// @timestamp). Serve sets it as slog's default, so a plugin may simply
// call slog.Info and friends. Its level comes from EnvLogLevel.
func Logger() *slog.Logger {
	return slog.New(slog.NewJSONHandler(stderr, &slog.HandlerOptions{
		Level:       logLevel(),
		ReplaceAttr: hclogKeys,
	}))
}

// hclogKeys renames slog's built-in keys to the ones hclog's JSON format
// uses, which is what go-plugin parses on batchd's side.
func hclogKeys(groups []string, a slog.Attr) slog.Attr {
	if len(groups) > 0 {
		return a
	}
	switch a.Key {
	case slog.TimeKey:
		return slog.String("@timestamp", a.Value.Time().Format("2006-01-02T15:04:05.000000Z07:00"))
	case slog.LevelKey:
		lvl, _ := a.Value.Any().(slog.Level)
		return slog.String("@level", loglevel.Name(lvl))
	case slog.MessageKey:
		return slog.String("@message", a.Value.String())
	}
	return a
}

func logLevel() slog.Level { return loglevel.Parse(os.Getenv(EnvLogLevel)) }
