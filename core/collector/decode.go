package collector

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"

	"github.com/batchd/batchd/plugins/workload"
)

// decodeReport parses a posted body: exactly one JSON object with a
// non-null "output" and an optional string "display", nothing after it.
// Unknown fields are ignored so newer task-side helpers can add some. The
// returned Output is compacted, so re-posts differing only in white space
// compare equal.
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
	return rep, nil
}
