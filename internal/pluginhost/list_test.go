package pluginhost

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestListEveryFile: every file of the plugin folders is listed, the ones
// batchd cannot use with the reason.
func TestListEveryFile(t *testing.T) {
	first := pluginDir(t, map[string]string{
		"batchd-workload-good":   "batchd-workload-good",
		"batchd-fetcher-copy":    "batchd-fetcher-copy",
		"batchd-fetcher-hello":   "notplugin",
		"batchd-fetcher-hang":    "silent",
		"batchd-workload-copy":   "batchd-fetcher-copy", // a fetcher is not a workload
		"batchd-task-good":       "silent",              // a task program: no plugin file
		"batchd-extractor-tgz":   "batchd-fetcher-copy",
		"batchd-workload-good.1": "batchd-workload-good",
	})
	for name, mode := range map[string]os.FileMode{"batchd-fetcher-data": 0o644, "README": 0o644, ".hidden": 0o755} {
		if err := os.WriteFile(filepath.Join(first, name), []byte("#!/bin/sh\n"), mode); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Mkdir(filepath.Join(first, "batchd-fetcher-dir"), 0o755); err != nil {
		t.Fatal(err)
	}
	second := pluginDir(t, map[string]string{"batchd-fetcher-copy": "batchd-fetcher-copy"})
	h := newHost(t, Config{Dirs: []string{first, second}, StartTimeout: 2 * time.Second})
	got := h.List(context.Background())

	type want struct {
		kind Kind
		name string
		dir  string
		err  error
		text string
	}
	wants := []want{
		{KindWorkload, "copy", first, ErrStart, "is it a batchd workload plugin"},
		{KindWorkload, "good", first, nil, ""},
		{KindWorkload, "good.1", first, nil, ""},
		{KindFetcher, "copy", first, nil, ""},
		{KindFetcher, "copy", second, ErrShadowed, filepath.Join(first, "batchd-fetcher-copy")},
		{KindFetcher, "data", first, ErrNotExecutable, "-rw-r--r--"},
		{KindFetcher, "hang", first, ErrHung, "no handshake within the 2s start timeout"},
		{KindFetcher, "hello", first, ErrStart, "hello, I am not a plugin"},
		{"", "README", first, ErrUnknownKind, "batchd-fetcher-<name>"},
		{"", "batchd-extractor-tgz", first, ErrUnknownKind, "batchd-workload-<name>"},
	}
	if len(got) != len(wants) {
		for _, p := range got {
			t.Logf("%s %s %s: %v", p.Kind, p.Name, p.Path, p.Err)
		}
		t.Fatalf("List gave %d files, want %d", len(got), len(wants))
	}
	for i, w := range wants {
		p := got[i]
		if p.Kind != w.kind || p.Name != w.name || filepath.Dir(p.Path) != w.dir {
			t.Errorf("row %d: %s %s in %s, want %s %s in %s", i, p.Kind, p.Name, filepath.Dir(p.Path), w.kind, w.name, w.dir)
			continue
		}
		if w.err == nil {
			if p.Err != nil || p.Version == "" {
				t.Errorf("%s %s: version %q, error %v; want it described", p.Kind, p.Name, p.Version, p.Err)
			}
			continue
		}
		if !errors.Is(p.Err, w.err) || !strings.Contains(p.Err.Error(), w.text) || !strings.Contains(p.Err.Error(), p.Path) && w.kind != "" && w.err != ErrNotExecutable && w.err != ErrShadowed {
			t.Errorf("%s %s: %v, want %v saying %q", p.Kind, p.Name, p.Err, w.err, w.text)
		}
	}
}

// TestListProbesInParallel: hanging plugins are started all at once, so
// List takes one start timeout, not one per plugin. Each plugin process
// lives until its start times out; the test waits until it has seen them
// all alive together.
func TestListProbesInParallel(t *testing.T) {
	dir := pluginDir(t, map[string]string{
		"batchd-fetcher-h1": "silent", "batchd-fetcher-h2": "silent",
		"batchd-workload-h3": "silent", "batchd-workload-h4": "silent",
	})
	h := newHost(t, Config{Dirs: []string{dir}, StartTimeout: 3 * time.Second})
	done := make(chan []PluginInfo, 1)
	go func() { done <- h.List(context.Background()) }()
	for most := 0; most < 4; {
		select {
		case <-done:
			t.Fatalf("List ended having seen at most %d plugins starting at once, want 4", most)
		default:
		}
		most = max(most, len(children(t)))
		time.Sleep(5 * time.Millisecond) // polling /proc for the event waited for
	}
	got := <-done
	if len(got) != 4 {
		t.Fatalf("List gave %d plugins, want 4", len(got))
	}
	for _, p := range got {
		if !errors.Is(p.Err, ErrHung) || !strings.Contains(p.Err.Error(), p.Path) {
			t.Errorf("%s %s: %v, want ErrHung naming the file", p.Kind, p.Name, p.Err)
		}
	}
}
