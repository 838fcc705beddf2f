package collector

import (
	"encoding/json"
	"testing"
	"time"
)

// TestAppendRecordMatchesMarshal: the hand-written encoder writes what
// json.Marshal writes, byte for byte.
func TestAppendRecordMatchesMarshal(t *testing.T) {
	at := time.Date(2026, 12, 4, 23, 1, 2, 345678900, time.UTC)
	tests := []struct {
		name string
		rec  record
	}{
		{"register", record{Type: typeRegister, TaskID: "job.7.1", TokenSHA256: "ab12"}},
		{"result", record{Type: typeResult, TaskID: "job.7.1", Output: json.RawMessage(`{"sum":6}`), Display: "sum of 1 2 3 = 6", Received: at}},
		{"result without display", record{Type: typeResult, TaskID: "t", Output: json.RawMessage(`[1,2]`), Received: at}},
		{"escapes", record{Type: typeResult, TaskID: "a\"b\\c/d\n", Output: json.RawMessage(`"x"`), Display: "<&> é \u2028 \x01", Received: at}},
		{"not UTC", record{Type: typeResult, TaskID: "t", Output: json.RawMessage(`1`), Received: at.In(time.FixedZone("x", 3600))}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			want, err := json.Marshal(tt.rec)
			if err != nil {
				t.Fatal(err)
			}
			got, err := appendRecord(nil, tt.rec)
			if err != nil {
				t.Fatal(err)
			}
			if string(got) != string(want)+"\n" {
				t.Errorf("appendRecord:\n%s\njson.Marshal:\n%s", got, want)
			}
		})
	}
	if _, err := appendRecord(nil, record{Type: typeResult, TaskID: "t", Output: json.RawMessage(`{"a":`)}); err == nil {
		t.Error("appendRecord wrote an output that is not JSON")
	}
}
