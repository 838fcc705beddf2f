package pluginhost

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/batchd/batchd/plugins/workload"
)

// TestFetcherForStartsOnlyWhatItNeeds: a fetcher plugin that hangs at
// start holds up only the questions it could answer. Asking for the
// scheme a plugin is named after starts that plugin alone.
func TestFetcherForStartsOnlyWhatItNeeds(t *testing.T) {
	dir := pluginDir(t, map[string]string{
		"batchd-fetcher-copy":  "batchd-fetcher-copy",
		"batchd-fetcher-hang":  "silent",
		"batchd-fetcher-hello": "notplugin",
	})
	h := newHost(t, Config{Dirs: []string{dir}, StartTimeout: 2 * time.Second})
	ctx := context.Background()
	if _, err := h.FetcherFor(ctx, "copy"); err != nil {
		t.Fatalf("FetcherFor(copy): %v", err)
	}
	h.mu.Lock()
	var started []string
	for k := range h.slots {
		started = append(started, k.name)
	}
	h.mu.Unlock()
	if len(started) != 1 || started[0] != "copy" {
		t.Errorf("FetcherFor(copy) started %v, want only copy", started)
	}
}

// TestFetcherForHungPlugins: an unclaimed scheme asks every fetcher; the
// ones that hang at start are named, by file, in the error, and are not
// started again by the next question.
func TestFetcherForHungPlugins(t *testing.T) {
	dir := pluginDir(t, map[string]string{
		"batchd-fetcher-copy": "batchd-fetcher-copy",
		"batchd-fetcher-h1":   "silent",
		"batchd-fetcher-h2":   "silent",
	})
	h := newHost(t, Config{Dirs: []string{dir}, StartTimeout: time.Second})
	ctx := context.Background()
	_, err := h.FetcherFor(ctx, "gopher")
	if !errors.Is(err, ErrNotFound) || !errors.Is(err, ErrHung) {
		t.Fatalf("FetcherFor(gopher): %v, want ErrNotFound and ErrHung", err)
	}
	for _, w := range []string{`"gopher"`, "copy by copy", "file by copy", dir + "/batchd-fetcher-h1", dir + "/batchd-fetcher-h2", "no handshake within the 1s start timeout"} {
		if !strings.Contains(err.Error(), w) {
			t.Errorf("error %q lacks %q", err, w)
		}
	}
	h.mu.Lock()
	s := h.slots[key{KindFetcher, "h1"}]
	h.mu.Unlock()
	s.mu.Lock()
	first := s.startErr
	s.mu.Unlock()
	_, err = h.FetcherFor(ctx, "ftp")
	if !errors.Is(err, ErrNotFound) || first == nil || !errors.Is(err, first) {
		t.Errorf("FetcherFor(ftp): %v, want ErrNotFound and h1's first start error %v, not a new start", err, first)
	}
	// The working plugin still serves its schemes.
	if _, err := h.FetcherFor(ctx, "FILE"); err != nil {
		t.Errorf("FetcherFor(FILE): %v", err)
	}
}

// TestValidateOfWorkloadWithoutIt: a workload plugin that does not
// validate answers ErrNotValidator through the Host, naming the plugin.
func TestValidateOfWorkloadWithoutIt(t *testing.T) {
	dir := pluginDir(t, map[string]string{"batchd-workload-good": "batchd-workload-good"})
	h := newHost(t, Config{Dirs: []string{dir}})
	wl, err := h.Workload(context.Background(), "good")
	if err != nil {
		t.Fatal(err)
	}
	v, ok := wl.(workload.Validator)
	if !ok {
		t.Fatalf("%T is no workload.Validator", wl)
	}
	_, err = v.Validate(context.Background(), workload.Job{Name: "j", Params: map[string]any{"groups": []any{"1"}}})
	if !errors.Is(err, workload.ErrNotValidator) || !strings.Contains(err.Error(), `workload plugin "good"`) {
		t.Errorf("Validate: %v, want ErrNotValidator naming the plugin", err)
	}
}
