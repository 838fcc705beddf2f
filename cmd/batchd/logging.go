package main

import (
	"io"
	"log/slog"
	"sync"
)

// Log lines go to stderr through log/slog, as text (the default) or JSON
// lines (--log-format json), at info level, debug with -v/--verbose,
// warnings and errors only with --quiet. Plugins' lines carry plugin=NAME
// (internal/pluginhost).

// setLogger makes m's logger from the parsed flags.
func (m *Main) setLogger(verbose bool) error {
	switch {
	case verbose && m.quiet:
		return usagef("--quiet and --verbose ask for opposite things: give one of them")
	case verbose:
		m.logLevel = slog.LevelDebug
	case m.quiet:
		m.logLevel = slog.LevelWarn
	default:
		m.logLevel = slog.LevelInfo
	}
	m.logw = &switchWriter{w: m.Stderr}
	opts := &slog.HandlerOptions{Level: m.logLevel}
	switch m.logFormat {
	case "text", "":
		m.log = slog.New(slog.NewTextHandler(m.logw, opts))
	case "json":
		m.log = slog.New(slog.NewJSONHandler(m.logw, opts))
	default:
		return usagef("--log-format %q: want text or json", m.logFormat)
	}
	return nil
}

// switchWriter writes to a writer that can be replaced while in use.
type switchWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (s *switchWriter) Write(p []byte) (int, error) {
	s.mu.Lock()
	w := s.w
	s.mu.Unlock()
	return w.Write(p)
}

// set makes later writes go to w.
func (s *switchWriter) set(w io.Writer) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.w = w
}
