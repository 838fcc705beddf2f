package sched

import (
	"testing"

	"github.com/batchd/batchd/core"
)

func TestCheckConstraint(t *testing.T) {
	tests := []struct {
		c  core.Constraint
		ok bool
	}{
		{core.Constraint{"hostname", "UNIQUE", ""}, true},
		{core.Constraint{"hostname", "UNIQUE", "x"}, false},
		{core.Constraint{"rack", "CLUSTER", ""}, true},
		{core.Constraint{"rack", "CLUSTER", "a"}, true},
		{core.Constraint{"rack", "LIKE", "a|b"}, true},
		{core.Constraint{"rack", "LIKE", "("}, false},
		{core.Constraint{"rack", "UNLIKE", ""}, false},
		{core.Constraint{"rack", "MAX_PER", "2"}, true},
		{core.Constraint{"rack", "MAX_PER", "0"}, false},
		{core.Constraint{"rack", "GROUP_BY", ""}, false},
		{core.Constraint{"", "UNIQUE", ""}, false},
	}
	for _, tc := range tests {
		if err := CheckConstraint(tc.c); (err == nil) != tc.ok {
			t.Errorf("%v: err %v, want ok %v", tc.c, err, tc.ok)
		}
	}
}

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
		{"unique hostname", []core.Constraint{{"hostname", "UNIQUE", ""}}, []step{{0, true}, {0, false}, {1, true}, {3, true}, {3, false}}},
		{"unique rack", []core.Constraint{{"rack", "UNIQUE", ""}}, []step{{0, true}, {1, false}, {2, true}, {3, false}}},
		{"cluster value", []core.Constraint{{"rack", "CLUSTER", "b"}}, []step{{0, false}, {2, true}, {2, true}, {3, false}}},
		{"cluster first", []core.Constraint{{"rack", "CLUSTER", ""}}, []step{{1, true}, {2, false}, {0, true}}},
		{"like", []core.Constraint{{"hostname", "LIKE", "h[01]"}}, []step{{0, true}, {2, false}, {1, true}}},
		{"unlike", []core.Constraint{{"rack", "UNLIKE", "a"}}, []step{{0, false}, {2, true}, {3, true}}},
		{"max per", []core.Constraint{{"rack", "MAX_PER", "2"}}, []step{{0, true}, {1, true}, {0, false}, {2, true}}},
		{"two on one field", []core.Constraint{{"rack", "LIKE", "a|b"}, {"rack", "MAX_PER", "1"}}, []step{{0, true}, {1, false}, {2, true}}},
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
