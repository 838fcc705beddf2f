package sched

import (
	"testing"

	"github.com/batchd/batchd/core"
)

// TestPlacements places tasks one after another on three agents and checks
// each operator's answer, counting what is placed and uncounting what ends.
func TestPlacements(t *testing.T) {
	agents := []core.Offer{
		{Hostname: "h0", Attributes: map[string]string{"rack": "a"}},
		{Hostname: "h1", Attributes: map[string]string{"rack": "a"}},
		{Hostname: "h2", Attributes: map[string]string{"rack": "b"}},
		{Hostname: "h3"},
	}
	type step struct {
		agent int
		want  bool
	}
	tests := []struct {
		name  string
		cs    []core.Constraint
		steps []step // each allowed one is placed
	}{
		{"unique hostname", []core.Constraint{con("hostname", "UNIQUE", "")}, []step{{0, true}, {0, false}, {1, true}, {3, true}, {3, false}}},
		{"unique rack", []core.Constraint{con("rack", "UNIQUE", "")}, []step{{0, true}, {1, false}, {2, true}, {3, false}}},
		{"cluster value", []core.Constraint{con("rack", "CLUSTER", "b")}, []step{{0, false}, {2, true}, {2, true}, {3, false}}},
		{"cluster first", []core.Constraint{con("rack", "CLUSTER", "")}, []step{{1, true}, {2, false}, {0, true}}},
		{"like", []core.Constraint{con("hostname", "LIKE", "h[01]")}, []step{{0, true}, {2, false}, {1, true}}},
		{"unlike", []core.Constraint{con("rack", "UNLIKE", "a")}, []step{{0, false}, {2, true}, {3, true}}},
		{"max per", []core.Constraint{con("rack", "MAX_PER", "2")}, []step{{0, true}, {1, true}, {0, false}, {2, true}}},
		{"two on one field", []core.Constraint{con("rack", "LIKE", "a|b"), con("rack", "MAX_PER", "1")}, []step{{0, true}, {1, false}, {2, true}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var p placements
			var placed [][]fieldValue
			for i, s := range tc.steps {
				o := agents[s.agent]
				if got := p.allows("job", tc.cs, o); got != s.want {
					t.Fatalf("step %d on %s: allowed %v, want %v", i, o.Hostname, got, s.want)
				}
				if s.want {
					placed = append(placed, p.placed("job", tc.cs, o))
				}
			}
			for _, fv := range placed {
				p.unplaced("job", fv)
			}
			if len(p.jobs) != 0 {
				t.Errorf("after every attempt ended: %v counted", p.jobs)
			}
			if first := tc.steps[0]; p.allows("job", tc.cs, agents[first.agent]) != first.want {
				t.Errorf("the first step's answer changed once everything ended")
			}
		})
	}
}

func con(field, op, value string) core.Constraint {
	return core.Constraint{Field: field, Operator: op, Value: value}
}
