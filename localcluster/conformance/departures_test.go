package conformance

import (
	"flag"
	"os"
	"testing"
)

var update = flag.Bool("update", false, "rewrite DEPARTURES.md from Departures")

// TestDeparturesDoc keeps DEPARTURES.md the rendering of Departures.
func TestDeparturesDoc(t *testing.T) {
	const file = "DEPARTURES.md"
	want := Markdown()
	if *update {
		if err := os.WriteFile(file, []byte(want), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	got, err := os.ReadFile(file)
	if err != nil {
		t.Fatalf("%v (run go test ./localcluster/conformance -run TestDeparturesDoc -update)", err)
	}
	if string(got) != want {
		t.Errorf("%s is not the rendering of Departures: run go test ./localcluster/conformance -run TestDeparturesDoc -update", file)
	}
}

// TestDepartureMatches checks the check-id patterns.
func TestDepartureMatches(t *testing.T) {
	tests := []struct {
		check, id string
		want      bool
	}{
		{"a/b", "a/b", true},
		{"a/b", "a/b:c", false},
		{"a-*/b:c", "a-json/b:c", true},
		{"task-*status.x", "task-killed/after-kill/TASK_KILLED:update.status.x", true},
		{"a.b", "aXb", false},
	}
	for _, tc := range tests {
		if got := (Departure{Check: tc.check}).Matches(tc.id); got != tc.want {
			t.Errorf("%q matches %q: %v, want %v", tc.check, tc.id, got, tc.want)
		}
	}
}
