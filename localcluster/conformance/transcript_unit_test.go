package conformance

import (
	"strings"
	"testing"
)

// TestCompare checks the diff the conformance test relies on, without a
// Mesos: volatile fields and minted ids are equal, a missing subtree is one
// difference, list order matters only where Mesos promises one.
func TestCompare(t *testing.T) {
	mk := func(obs map[string]any) *transcript {
		tr := newTranscript()
		for _, id := range []string{"s/a", "s/b", "s/c", "s/d"} {
			if v, ok := obs[id]; ok {
				tr.record(id, v)
			}
		}
		return tr
	}
	mesos := mk(map[string]any{
		"s/a": map[string]any{"timestamp": 1.5, "agent_id": map[string]any{"value": "0f6a4a8e-0000-4000-8000-000000000001-S0"},
			"message": "agent 0f6a4a8e-0000-4000-8000-000000000001-S0 is gone", "url": map[string]any{"scheme": "http", "path": "/slave(1)"}},
		"s/b": map[string]any{"resources": []any{map[string]any{"name": "mem"}, map[string]any{"name": "cpus"}}},
		"s/c": []any{"A", "B"},
		"s/d": 202.0,
	})
	embedded := mk(map[string]any{
		"s/a": map[string]any{"timestamp": 2.5, "agent_id": map[string]any{"value": "1f6a4a8e-0000-4000-8000-000000000002-S0"},
			"message": "agent 1f6a4a8e-0000-4000-8000-000000000002-S0 is gone", "executor_id": nil},
		"s/b": map[string]any{"resources": []any{map[string]any{"name": "cpus"}, map[string]any{"name": "mem"}}},
		"s/c": []any{"B", "A"},
	})
	var got []string
	for _, d := range compare(mesos, embedded) {
		got = append(got, d.id)
	}
	want := []string{"s/a:url", "s/c[0]", "s/c[1]", "s/d"}
	if strings.Join(got, " ") != strings.Join(want, " ") {
		t.Errorf("differences %v, want %v", got, want)
	}
	if n := checkCount(mesos, embedded); n != 4 {
		t.Errorf("%d checks, want 4", n)
	}
}
