package collector

import (
	"bytes"
	"encoding/json"
	"testing"
)

func FuzzDecodeReport(f *testing.F) {
	for _, seed := range []string{
		`{"output": {"sum": 6}, "display": "sum of 1 2 3 = 6"}`,
		`{"output":1}`,
		`{"output":null}`,
		`{"output":"x"} trailing`,
		`{"output":[1,2,{"a":"\u00e9"}],"extra":true}`,
		`[1]`,
		``,
		`{"display":"no output"}`,
		`{"output":1}{"output":2}`,
		"{\"output\":\"\xff\"}",
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		rep, err := decodeReport(body)
		if err != nil {
			if rep.Output != nil || rep.Display != "" {
				t.Fatalf("error %v with a non-empty report %+v", err, rep)
			}
			return
		}
		if !json.Valid(rep.Output) || string(rep.Output) == "null" {
			t.Fatalf("accepted output %q is not a non-null JSON value", rep.Output)
		}
		var compact bytes.Buffer
		if err := json.Compact(&compact, rep.Output); err != nil || !bytes.Equal(compact.Bytes(), rep.Output) {
			t.Fatalf("output %q is not compact", rep.Output)
		}
		// What was accepted survives a round trip through the wire form
		// unchanged. The wire form is a task's: no HTML escaping, which
		// would turn an output's "&" into "\u0026" (json.Marshal does).
		var wire bytes.Buffer
		enc := json.NewEncoder(&wire)
		enc.SetEscapeHTML(false)
		if err := enc.Encode(rep); err != nil {
			t.Fatal(err)
		}
		again := bytes.TrimSuffix(wire.Bytes(), []byte("\n"))
		rep2, err := decodeReport(again)
		if err != nil || !bytes.Equal(rep2.Output, rep.Output) || rep2.Display != rep.Display {
			t.Fatalf("round trip of %q: %+v, %v", again, rep2, err)
		}
	})
}
