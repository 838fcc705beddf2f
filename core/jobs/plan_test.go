package jobs

import (
	"encoding/json"
	"reflect"
	"slices"
	"strings"
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

// TestCheckArgv: command lines no agent could execute are refused at plan
// time, naming the limit.
func TestCheckArgv(t *testing.T) {
	long := strings.Repeat("9", maxArgBytes)
	tests := []struct {
		name string
		argv []string
		env  map[string]string
		want string
	}{
		{"fine", []string{"./sum", "1", "2"}, map[string]string{"K": "v"}, ""},
		{"one long argument", []string{"./sum", long}, nil, "argument 1 is 131072 bytes; the OS executes at most 131071"},
		{"long environment", []string{"./x"}, map[string]string{"BIG": long}, "environment variable BIG"},
		{"too many", append([]string{"./x"}, slices.Repeat([]string{strings.Repeat("1", 1000)}, 1100)...), nil, "batchd allows 1048576"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := checkArgv(tt.argv, tt.env)
			if (tt.want == "") != (err == nil) || (err != nil && !strings.Contains(err.Error(), tt.want)) {
				t.Errorf("checkArgv = %v, want %q", err, tt.want)
			}
		})
	}
}
