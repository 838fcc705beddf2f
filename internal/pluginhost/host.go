// Package pluginhost finds, launches and supervises batchd's plugin processes.
//
// Plugins are executables named batchd-workload-<name> or
// batchd-fetcher-<name> in an ordered list of folders (the first folder
// holding a name wins), optionally pinned by SHA-256. A Host launches each
// plugin lazily, once, over go-plugin gRPC (a fetcher only when a URI
// scheme it may handle is asked for), forwards its log lines to the
// Host's logger, relaunches it on next use if it died (but not if it never
// started: that is remembered), and kills every plugin process on Close.
package pluginhost

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"
)

// Errors a Host returns, wrapped with the plugin and what was being done.
var (
	// ErrNotFound means no plugin of that kind and name (or for that URI
	// scheme) is in the plugin folders.
	ErrNotFound = errors.New("host: plugin not found")
	// ErrChecksum means a plugin's SHA-256 differs from its pin.
	ErrChecksum = errors.New("host: plugin checksum mismatch")
	// ErrStart means the executable could not be started as a batchd plugin:
	// it is not one, speaks another protocol version, or did not start in time.
	ErrStart = errors.New("host: plugin failed to start")
	// ErrHung means the plugin process started but did not complete its
	// handshake within the start timeout. It wraps ErrStart.
	ErrHung = fmt.Errorf("%w: hung at start", ErrStart)
	// ErrCrashed means the plugin process exited or its connection broke
	// during a call. The Host relaunches it on next use.
	ErrCrashed = errors.New("host: plugin process exited or lost its connection")
	// ErrClosed means the Host has been closed.
	ErrClosed = errors.New("host: closed")
)

// Default timeouts.
const (
	DefaultCallTimeout  = 10 * time.Second
	DefaultStartTimeout = 10 * time.Second
	// killGrace is how long go-plugin may take to end a plugin before the
	// process is killed outright.
	killGrace = 5 * time.Second
)

// Config configures a Host.
type Config struct {
	// Dirs are the plugin folders, searched in order.
	Dirs []string
	// Pins maps a plugin to "sha256:<hex>", checked before every launch. The
	// key is the plugin's file name ("batchd-fetcher-http") or, matching
	// both kinds, its bare name ("http").
	Pins map[string]string
	// Logger receives the Host's and the plugins' log lines; nil discards them.
	Logger *slog.Logger
	// CallTimeout bounds Describe and Configure calls (DefaultCallTimeout when zero).
	// Plan, Reduce and Fetch are bounded by the caller's context.
	CallTimeout time.Duration
	// StartTimeout bounds a plugin's start-up handshake (DefaultStartTimeout when zero).
	StartTimeout time.Duration
	// FetcherSettings holds each fetcher's settings by plugin name, handed
	// to its Configure right after launch. A fetcher without an entry gets
	// empty settings.
	FetcherSettings map[string]json.RawMessage
	// OnCall, when set, observes every call made through the plugins the
	// Host hands out (metrics); not the Describe and Configure of a launch.
	// It must not block.
	OnCall CallFunc
}

// Host owns batchd's plugin processes. Its methods are safe for concurrent use.
type Host struct {
	cfg       Config
	log       *slog.Logger
	killGrace time.Duration

	mu        sync.Mutex
	closed    bool
	slots     map[key]*slot
	schemes   map[string]string // URI scheme -> fetcher name, as FetcherFor found it
	formats   map[string]string // archive format -> fetcher name, once fully built
	launching sync.WaitGroup
}

// key names one plugin.
type key struct {
	kind Kind
	name string
}

// slot holds one plugin's running instance. mu serialises launches of that
// plugin; inst is written with both mu and Host.mu held. startErr, written
// with mu held, is why the plugin could not be started (ErrStart,
// ErrChecksum): the file is not launched again by this Host, so a broken
// or hanging plugin costs one start timeout per run, not one per use.
type slot struct {
	mu       sync.Mutex
	inst     *instance
	startErr error
}

// New returns a Host for cfg. It launches nothing until a plugin is asked for.
func New(cfg Config) *Host {
	if cfg.CallTimeout <= 0 {
		cfg.CallTimeout = DefaultCallTimeout
	}
	if cfg.StartTimeout <= 0 {
		cfg.StartTimeout = DefaultStartTimeout
	}
	log := cfg.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Host{cfg: cfg, log: log, killGrace: killGrace, slots: map[key]*slot{},
		schemes: map[string]string{}}
}

// instanceOf returns the running instance of a plugin, launching it (again,
// if it exited) when needed.
func (h *Host) instanceOf(ctx context.Context, kind Kind, name string) (*instance, error) {
	k := key{kind, name}
	h.mu.Lock()
	if h.closed {
		h.mu.Unlock()
		return nil, ErrClosed
	}
	s := h.slots[k]
	if s == nil {
		s = &slot{}
		h.slots[k] = s
	}
	h.launching.Add(1)
	h.mu.Unlock()
	defer h.launching.Done()

	s.mu.Lock()
	defer s.mu.Unlock()
	if s.inst != nil && !s.inst.exited() {
		return s.inst, nil
	}
	if s.startErr != nil {
		return nil, s.startErr
	}
	if old := s.inst; old != nil {
		h.log.Warn("relaunching plugin that exited", "kind", string(kind), "plugin", name, "path", old.path)
		old.kill(h.killGrace)
		h.mu.Lock()
		s.inst = nil
		h.mu.Unlock()
	}
	inst, err := h.launch(ctx, kind, name)
	if errors.Is(err, ErrStart) || errors.Is(err, ErrChecksum) {
		s.startErr = err
	}
	if err != nil {
		return nil, err
	}
	h.mu.Lock()
	if h.closed {
		h.mu.Unlock()
		inst.kill(h.killGrace)
		return nil, ErrClosed
	}
	s.inst = inst
	h.mu.Unlock()
	return inst, nil
}

// Close kills every plugin process the Host started and waits until they
// are gone, even if they hang. Later calls on the Host return ErrClosed.
func (h *Host) Close() error {
	h.mu.Lock()
	h.closed = true
	var insts []*instance
	for _, s := range h.slots {
		if s.inst != nil {
			insts = append(insts, s.inst)
		}
	}
	h.mu.Unlock()

	var wg sync.WaitGroup
	for _, inst := range insts {
		wg.Add(1)
		go func() {
			defer wg.Done()
			inst.kill(h.killGrace)
		}()
	}
	wg.Wait()
	// Launches under way see closed and kill what they started.
	h.launching.Wait()
	return nil
}
