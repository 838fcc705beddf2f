package pluginhost

import (
	"context"
	"reflect"
	"sync"
	"testing"
	"time"

	"github.com/batchd/batchd/plugins/workload"
)

// TestOnCall observes the calls made through a hosted workload, failed
// ones included, but not the Describe of its launch.
func TestOnCall(t *testing.T) {
	var (
		mu    sync.Mutex
		calls []string
	)
	onCall := func(kind, name, method string, d time.Duration, err error) {
		mu.Lock()
		defer mu.Unlock()
		if d <= 0 {
			t.Errorf("%s %s %s took %v", kind, name, method, d)
		}
		calls = append(calls, kind+" "+name+" "+method+" "+map[bool]string{true: "error", false: "ok"}[err != nil])
	}
	h := newHost(t, Config{
		Dirs:   []string{pluginDir(t, map[string]string{"batchd-workload-good": "batchd-workload-good"})},
		OnCall: onCall,
	})
	ctx := context.Background()
	w, err := h.Workload(ctx, "good")
	if err != nil {
		t.Fatalf("Workload: %v", err)
	}
	if _, err := w.Describe(ctx); err != nil {
		t.Fatalf("Describe: %v", err)
	}
	if _, err := collect(t, w, workload.Job{Params: map[string]any{"groups": []any{"1 2 3"}}}); err != nil {
		t.Fatalf("Plan: %v", err)
	}
	if _, err := collect(t, w, workload.Job{Params: map[string]any{"groups": []any{"x"}}}); err == nil {
		t.Fatal("Plan of a bad group did not fail")
	}
	mu.Lock()
	defer mu.Unlock()
	want := []string{"workload good describe ok", "workload good plan ok", "workload good plan error"}
	if !reflect.DeepEqual(calls, want) {
		t.Errorf("calls %q, want %q", calls, want)
	}
}
