package jobs

import (
	"encoding/json"
	"errors"
	"io"
	"reflect"
	"testing"
	"time"
)

// TestPlanSpoolKeepsEveryField writes a planned task with every field set,
// the workload's label included, and reads it back: a field added to
// planned that the spool cannot carry fails here.
func TestPlanSpoolKeepsEveryField(t *testing.T) {
	want := planned{
		ID: "7", Label: "1 2 3", Command: []string{"./sum", "1", "2", "3"}, Env: map[string]string{"K": "v"},
		CPUs: 0.25, MemMB: 32, Timeout: time.Minute, Data: json.RawMessage(`"1 2 3"`), URIs: 2,
	}
	v := reflect.ValueOf(want)
	for i := range v.NumField() {
		if v.Field(i).IsZero() {
			t.Fatalf("planned.%s is not set in this test", v.Type().Field(i).Name)
		}
	}
	s, err := newSpool[planned](t.TempDir(), "plan")
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if err := s.add(&want); err != nil {
		t.Fatal(err)
	}
	if err := s.rewind(); err != nil {
		t.Fatal(err)
	}
	got, err := s.next()
	if err != nil {
		t.Fatalf("next: %v", err)
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("read back %+v\nwant %+v", got, want)
	}
	if _, err := s.next(); !errors.Is(err, io.EOF) {
		t.Errorf("second next: %v, want io.EOF", err)
	}
}
