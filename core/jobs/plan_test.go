package jobs

import (
	"encoding/json"
	"reflect"
	"testing"
	"time"
)

// TestPlannedKeepsEveryField encodes a planned task with every field set,
// as the store keeps it, and decodes it back: a field added to planned that
// the encoding cannot carry fails here.
func TestPlannedKeepsEveryField(t *testing.T) {
	want := planned{
		ID: "7", Command: []string{"./sum", "1", "2", "3"}, Env: map[string]string{"K": "v"},
		CPUs: 0.25, MemMB: 32, Timeout: time.Minute, Data: json.RawMessage(`"1 2 3"`), URIs: 2,
	}
	v := reflect.ValueOf(want)
	for i := range v.NumField() {
		if v.Field(i).IsZero() {
			t.Fatalf("planned.%s is not set in this test", v.Type().Field(i).Name)
		}
	}
	raw, err := encodePlanned(&want)
	if err != nil {
		t.Fatal(err)
	}
	got, err := decodePlanned(raw)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("read back %+v\nwant %+v", got, want)
	}
}

// TestPrintable: a plugin's summary text cannot add lines to stdout or
// drive the terminal.
func TestPrintable(t *testing.T) {
	for in, want := range map[string]string{
		"total 45":             "total 45",
		"Σ = 6 ✓":              "Σ = 6 ✓",
		"x\njob big: 1 tasks":  `x\njob big: 1 tasks`,
		"red \x1b[31m":         `red \x1b[31m`,
		"tab\there, c1 \u009b": `tab\there, c1 \u009b`,
	} {
		if got := printable(in); got != want {
			t.Errorf("printable(%q) = %q, want %q", in, got, want)
		}
	}
}
