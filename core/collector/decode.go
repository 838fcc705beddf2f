package collector

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"unicode"

	"github.com/batchd/batchd/plugins/workload"
)

// decodeReport parses a posted body: exactly one JSON object with a
// non-null "output" and an optional string "display", nothing after it.
// Unknown fields are ignored so newer task-side helpers can add some. The
// returned Output is compacted, so re-posts differing only in white space
// compare equal. "display" must be one line of printable text: batchd
// prints it on stdout, where a newline or a terminal escape would let a task
// forge other lines (a job's summary) or rewrite the screen.
func decodeReport(body []byte) (workload.TaskReport, error) {
	dec := json.NewDecoder(bytes.NewReader(body))
	var rep workload.TaskReport
	if err := dec.Decode(&rep); err != nil {
		if errors.Is(err, io.EOF) {
			return workload.TaskReport{}, errors.New("empty body; want a JSON object with \"output\"")
		}
		return workload.TaskReport{}, fmt.Errorf("body is not a JSON report object: %w", err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return workload.TaskReport{}, errors.New("trailing data after the JSON object")
	}
	if len(rep.Output) == 0 || string(rep.Output) == "null" {
		return workload.TaskReport{}, errors.New("missing \"output\" (it must be a JSON value other than null)")
	}
	var out bytes.Buffer
	if err := json.Compact(&out, rep.Output); err != nil {
		return workload.TaskReport{}, fmt.Errorf("\"output\" is not valid JSON: %w", err)
	}
	rep.Output = out.Bytes()
	if err := checkDisplay(rep.Display); err != nil {
		return workload.TaskReport{}, err
	}
	return rep, nil
}

// checkDisplay refuses a display line holding a control character
// (newline, tab, escape, C1 controls). JSON decoding has already made it
// valid UTF-8.
func checkDisplay(d string) error {
	for i, r := range d {
		if unicode.IsControl(r) {
			return fmt.Errorf("\"display\": control character %U at byte %d; it must be one line of printable text", r, i)
		}
	}
	return nil
}
