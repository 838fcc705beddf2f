package core

import "testing"

func TestCheckConstraint(t *testing.T) {
	tests := []struct {
		c  Constraint
		ok bool
	}{
		{Constraint{Field: "hostname", Operator: "UNIQUE", Value: ""}, true},
		{Constraint{Field: "hostname", Operator: "UNIQUE", Value: "x"}, false},
		{Constraint{Field: "rack", Operator: "CLUSTER", Value: ""}, true},
		{Constraint{Field: "rack", Operator: "CLUSTER", Value: "a"}, true},
		{Constraint{Field: "rack", Operator: "LIKE", Value: "a|b"}, true},
		{Constraint{Field: "rack", Operator: "LIKE", Value: "("}, false},
		{Constraint{Field: "rack", Operator: "UNLIKE", Value: ""}, false},
		{Constraint{Field: "rack", Operator: "MAX_PER", Value: "2"}, true},
		{Constraint{Field: "rack", Operator: "MAX_PER", Value: "0"}, false},
		{Constraint{Field: "rack", Operator: "GROUP_BY", Value: ""}, false},
		{Constraint{Field: "", Operator: "UNIQUE", Value: ""}, false},
	}
	for _, tc := range tests {
		if err := tc.c.Check(); (err == nil) != tc.ok {
			t.Errorf("%v: err %v, want ok %v", tc.c, err, tc.ok)
		}
	}
}
