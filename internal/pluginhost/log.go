package pluginhost

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"sort"
	"sync"

	"github.com/hashicorp/go-hclog"

	"github.com/batchd/batchd/plugins/loglevel"
)

// newPluginLogger returns the hclog logger go-plugin logs a plugin's client
// events and forwarded stderr lines to. It writes hclog JSON into a
// slogWriter, which turns each line back into a record on log.
func newPluginLogger(log *slog.Logger, level string) hclog.Logger {
	return hclog.New(&hclog.LoggerOptions{
		Level:      hclog.LevelFromString(level),
		Output:     &slogWriter{log: log},
		JSONFormat: true,
	})
}

// slogWriter receives hclog JSON lines and logs each as one slog record,
// keeping its level, message and fields.
type slogWriter struct {
	log *slog.Logger
	mu  sync.Mutex
	buf []byte
}

func (w *slogWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.buf = append(w.buf, p...)
	for {
		i := bytes.IndexByte(w.buf, '\n')
		if i < 0 {
			return len(p), nil
		}
		w.emit(w.buf[:i])
		w.buf = w.buf[i+1:]
	}
}

// hclog's own keys, which become the record's level and message or are dropped.
const (
	keyLevel     = "@level"
	keyMessage   = "@message"
	keyTimestamp = "@timestamp"
	keyModule    = "@module"
	keyCaller    = "@caller"
	keyTime      = "timestamp" // added by go-plugin to forwarded lines
)

func (w *slogWriter) emit(line []byte) {
	line = bytes.TrimSpace(line)
	if len(line) == 0 {
		return
	}
	var m map[string]any
	if err := json.Unmarshal(line, &m); err != nil {
		w.log.Info(string(line))
		return
	}
	lv, _ := m[keyLevel].(string)
	level := loglevel.Parse(lv)
	msg, _ := m[keyMessage].(string)
	for _, k := range []string{keyLevel, keyMessage, keyTimestamp, keyModule, keyCaller, keyTime} {
		delete(m, k)
	}
	// go-plugin names the plugin by its path; the logger already has its name.
	if p, ok := m["plugin"]; ok {
		delete(m, "plugin")
		m["path"] = p
	}
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	attrs := make([]slog.Attr, 0, len(m))
	for _, k := range keys {
		attrs = append(attrs, slog.Any(k, m[k]))
	}
	w.log.LogAttrs(context.Background(), level, msg, attrs...)
}
