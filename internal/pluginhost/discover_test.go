package pluginhost

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestUnknownPluginNamesFileAndFolders(t *testing.T) {
	a, b := pluginDir(t, nil), pluginDir(t, map[string]string{"batchd-fetcher-nope": "batchd-fetcher-copy"})
	tests := []struct {
		name  string
		dirs  []string
		want  []string
		wantK Kind
	}{
		{name: "two folders", dirs: []string{a, b}, want: []string{"batchd-workload-nope", a, b}},
		{name: "no folders", want: []string{"batchd-workload-nope", "none configured"}},
		{name: "missing folder", dirs: []string{filepath.Join(a, "missing")}, want: []string{filepath.Join(a, "missing")}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			h := newHost(t, Config{Dirs: tc.dirs})
			_, err := h.Workload(context.Background(), "nope")
			if !errors.Is(err, ErrNotFound) {
				t.Fatalf("Workload: %v, want ErrNotFound", err)
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not name %q", err, w)
				}
			}
		})
	}
}

func TestNotExecutableIsNotAPlugin(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "batchd-workload-data"), []byte("#!/bin/sh\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	h := newHost(t, Config{Dirs: []string{dir}})
	if _, err := h.Workload(context.Background(), "data"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("Workload: %v, want ErrNotFound", err)
	}
	// List shows it, with the reason batchd leaves it out.
	if got := h.List(context.Background()); len(got) != 1 || !errors.Is(got[0].Err, ErrNotExecutable) || got[0].Name != "data" {
		t.Errorf("List = %+v, want data, not executable", got)
	}
}

// TestTaskProgramIsNotAPlugin: a plugin's task program (batchd-task-*)
// sits in the plugin folder but is no plugin file at all, not even an
// unusable one.
func TestTaskProgramIsNotAPlugin(t *testing.T) {
	dir := pluginDir(t, map[string]string{
		"batchd-workload-good": "batchd-workload-good",
		"batchd-task-good":     "silent",
		"batchd-task-":         "silent",
	})
	h := newHost(t, Config{Dirs: []string{dir}})
	got := h.List(context.Background())
	if len(got) != 1 || got[0].Name != "good" || got[0].Kind != KindWorkload || got[0].Err != nil {
		t.Errorf("List = %+v, want only the workload plugin good", got)
	}
	for _, k := range []Kind{KindWorkload, KindFetcher} {
		if _, err := h.find(k, "task-good"); !errors.Is(err, ErrNotFound) {
			t.Errorf("find(%s, task-good): %v, want ErrNotFound", k, err)
		}
	}
}

func TestStartFailuresNameThePath(t *testing.T) {
	dir := pluginDir(t, map[string]string{
		"batchd-workload-badproto":  "batchd-workload-badproto",
		"batchd-workload-notplugin": "notplugin",
		"batchd-workload-copy":      "batchd-fetcher-copy", // a fetcher is not a workload
		"batchd-workload-silent":    "silent",
		"batchd-workload-hangstart": "batchd-workload-hang",
	})
	tests := []struct {
		name string
		want error
		text string
	}{
		{name: "badproto", want: ErrStart, text: "version"},
		{name: "notplugin", want: ErrStart, text: "hello, I am not a plugin"},
		{name: "copy", want: ErrStart},
		{name: "silent", want: ErrStart, text: "timeout"},
		{name: "hangstart", want: context.DeadlineExceeded, text: "describing"},
	}
	h := newHost(t, Config{Dirs: []string{dir}, StartTimeout: time.Second, CallTimeout: 300 * time.Millisecond})
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := h.Workload(context.Background(), tc.name)
			t.Logf("error: %v", err)
			if !errors.Is(err, tc.want) {
				t.Fatalf("Workload: %v, want %v", err, tc.want)
			}
			for _, w := range []string{filepath.Join(dir, "batchd-workload-"+tc.name), tc.text} {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q lacks %q", err, w)
				}
			}
			if kids := children(t); len(kids) > 0 {
				t.Errorf("failed start left processes %v", kids)
			}
		})
	}
}

func TestPins(t *testing.T) {
	bin := filepath.Join(bins, "batchd-workload-good")
	data, err := os.ReadFile(bin)
	if err != nil {
		t.Fatal(err)
	}
	good := fmt.Sprintf("sha256:%x", sha256.Sum256(data))
	bad := "sha256:" + strings.Repeat("0", 64)
	tests := []struct {
		name string
		pins map[string]string
		want error
	}{
		{name: "unpinned", pins: nil},
		{name: "pinned by name", pins: map[string]string{"good": good}},
		{name: "pinned by file name", pins: map[string]string{"batchd-workload-good": good}},
		{name: "mismatch", pins: map[string]string{"good": bad}, want: ErrChecksum},
		{name: "file name pin wins", pins: map[string]string{"batchd-workload-good": bad, "good": good}, want: ErrChecksum},
		{name: "malformed", pins: map[string]string{"good": "md5:abc"}, want: ErrChecksum},
	}
	dir := pluginDir(t, map[string]string{"batchd-workload-good": "batchd-workload-good"})
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			h := newHost(t, Config{Dirs: []string{dir}, Pins: tc.pins})
			_, err := h.Workload(context.Background(), "good")
			if tc.want == nil && err != nil {
				t.Fatalf("Workload: %v", err)
			}
			if tc.want != nil && !errors.Is(err, tc.want) {
				t.Fatalf("Workload: %v, want %v", err, tc.want)
			}
		})
	}
}

func TestFirstFolderWinsAndList(t *testing.T) {
	first := pluginDir(t, map[string]string{
		"batchd-workload-x":    "batchd-workload-good",
		"batchd-fetcher-copy":  "batchd-fetcher-copy",
		"batchd-workload-junk": "notplugin",
	})
	second := pluginDir(t, map[string]string{
		"batchd-workload-x":    "notplugin",
		"batchd-workload-good": "batchd-workload-good",
	})
	h := newHost(t, Config{Dirs: []string{first, second}})
	got := h.List(context.Background())
	type row struct {
		kind       Kind
		name, path string
		version    string
		failed     bool
	}
	var rows []row
	for _, p := range got {
		rows = append(rows, row{p.Kind, p.Name, p.Path, p.Version, p.Err != nil})
	}
	want := []row{
		{KindWorkload, "good", filepath.Join(second, "batchd-workload-good"), "1.2.3", false},
		{KindWorkload, "junk", filepath.Join(first, "batchd-workload-junk"), "", true},
		{KindWorkload, "x", filepath.Join(first, "batchd-workload-x"), "1.2.3", false},
		{KindWorkload, "x", filepath.Join(second, "batchd-workload-x"), "", true}, // shadowed
		{KindFetcher, "copy", filepath.Join(first, "batchd-fetcher-copy"), "0.1.0", false},
	}
	if fmt.Sprint(rows) != fmt.Sprint(want) {
		t.Errorf("List rows\n got %v\nwant %v", rows, want)
	}
	if len(got) == 5 && (len(got[4].Schemes) != 2 || len(got[0].Params) != 1 || !errors.Is(got[3].Err, ErrShadowed)) {
		t.Errorf("List details: fetcher schemes %v, workload params %v, shadowed %v", got[4].Schemes, got[0].Params, got[3].Err)
	}
}
