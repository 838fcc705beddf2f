package pluginhost

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/batchd/batchd/internal/procgroup"
)

// bins holds the test plugins, built once by TestMain from testdata.
var bins string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "batchd-host-test")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	args := []string{"build", "-o", dir + string(os.PathSeparator)}
	for _, p := range []string{"batchd-workload-good", "batchd-fetcher-copy", "batchd-workload-crash",
		"batchd-workload-hang", "batchd-workload-badproto", "batchd-fetcher-xyz", "notplugin", "silent"} {
		args = append(args, "./testdata/"+p)
	}
	cmd := exec.Command("go", args...)
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	if err := cmd.Run(); err != nil {
		fmt.Fprintln(os.Stderr, "building test plugins:", err)
		os.RemoveAll(dir)
		os.Exit(1)
	}
	bins = dir
	code := 0
	func() {
		defer os.RemoveAll(dir)
		// VerifyTestMain would exit before the deferred cleanup; check leaks by hand.
		code = m.Run()
		if code == 0 {
			if err := goleak.Find(goleak.IgnoreTopFunction(procgroup.SpawnerFunc)); err != nil {
				fmt.Fprintln(os.Stderr, "goroutine leak:", err)
				code = 1
			}
		}
	}()
	os.Exit(code)
}

// pluginDir returns a new folder holding links named like plugins (keys)
// to built test binaries (values).
func pluginDir(t *testing.T, links map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, bin := range links {
		if err := os.Symlink(filepath.Join(bins, bin), filepath.Join(dir, name)); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// newHost returns a Host for cfg that is closed when the test ends, after
// which no child process of the test may remain.
func newHost(t *testing.T, cfg Config) *Host {
	t.Helper()
	tw := &testWriter{t: t}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.NewTextHandler(tw, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	h := New(cfg)
	t.Cleanup(func() {
		h.Close()
		tw.stop()
		if kids := children(t); len(kids) > 0 {
			t.Errorf("child processes left after Close: %v", kids)
		}
	})
	return h
}

// testWriter sends log output to t.Log until stopped. (go-plugin's stdio
// goroutine may log once more after Close returns, when t.Log would panic.)
type testWriter struct {
	mu      sync.Mutex
	t       *testing.T
	stopped bool
}

func (w *testWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if !w.stopped {
		w.t.Log(strings.TrimSpace(string(p)))
	}
	return len(p), nil
}

func (w *testWriter) stop() {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.stopped = true
}

// children lists the pids of this process's live children, from /proc.
func children(t *testing.T) []int {
	t.Helper()
	entries, err := os.ReadDir("/proc")
	if err != nil {
		t.Skipf("no /proc: %v", err)
	}
	me := os.Getpid()
	var out []int
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		stat, err := os.ReadFile(filepath.Join("/proc", e.Name(), "stat"))
		if err != nil {
			continue
		}
		// Fields after the parenthesised command: state ppid ...
		s := string(stat)
		f := strings.Fields(s[strings.LastIndexByte(s, ')')+1:])
		if len(f) > 1 && f[1] == strconv.Itoa(me) {
			out = append(out, pid)
		}
	}
	return out
}

// alive reports whether process pid still exists (a zombie counts).
func alive(pid int) bool {
	_, err := os.Stat(filepath.Join("/proc", strconv.Itoa(pid)))
	return err == nil
}

// pidOf returns the pid of the running instance of a plugin.
func pidOf(t *testing.T, h *Host, k Kind, name string) int {
	t.Helper()
	h.mu.Lock()
	defer h.mu.Unlock()
	s := h.slots[key{k, name}]
	if s == nil || s.inst == nil || s.inst.pid() == 0 {
		t.Fatalf("%s plugin %q is not running", k, name)
	}
	return s.inst.pid()
}

// recorder is a slog.Handler that keeps the records it is given.
type recorder struct {
	mu      sync.Mutex
	records []slog.Record
	added   chan struct{} // gets a token after each record, if empty
}

func newRecorder() *recorder { return &recorder{added: make(chan struct{}, 1)} }

func (r *recorder) Enabled(context.Context, slog.Level) bool { return true }
func (r *recorder) Handle(_ context.Context, rec slog.Record) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.records = append(r.records, rec.Clone())
	select {
	case r.added <- struct{}{}:
	default:
	}
	return nil
}
func (r *recorder) WithAttrs(as []slog.Attr) slog.Handler { return &withAttrs{r, as} }
func (r *recorder) WithGroup(string) slog.Handler         { return r }

// withAttrs adds the attrs of Logger.With to each record.
type withAttrs struct {
	r  *recorder
	as []slog.Attr
}

func (w *withAttrs) Enabled(context.Context, slog.Level) bool { return true }
func (w *withAttrs) Handle(ctx context.Context, rec slog.Record) error {
	rec = rec.Clone()
	rec.AddAttrs(w.as...)
	return w.r.Handle(ctx, rec)
}
func (w *withAttrs) WithAttrs(as []slog.Attr) slog.Handler {
	return &withAttrs{w.r, append(append([]slog.Attr(nil), w.as...), as...)}
}
func (w *withAttrs) WithGroup(string) slog.Handler { return w }

// find returns the first record with message msg, and its attrs.
func (r *recorder) find(msg string) (map[string]string, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, rec := range r.records {
		if rec.Message == msg {
			attrs := map[string]string{}
			rec.Attrs(func(a slog.Attr) bool { attrs[a.Key] = a.Value.String(); return true })
			return attrs, true
		}
	}
	return nil, false
}

// wait waits for a record with message msg, for up to ten seconds.
func (r *recorder) wait(msg string) (map[string]string, bool) {
	timeout := time.After(10 * time.Second)
	for {
		if attrs, ok := r.find(msg); ok {
			return attrs, true
		}
		select {
		case <-r.added:
		case <-timeout:
			return nil, false
		}
	}
}
