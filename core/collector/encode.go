package collector

import (
	"encoding/json"
	"time"
)

// appendRecord appends rec as one JSON line, as json.Marshal would write
// it (field order, omitted empties), without reflection: every result
// writes one register and one result record, and encoding/json's
// reflection was a tenth of the collector's CPU per post. A string with
// anything JSON might escape goes through json.Marshal.
func appendRecord(dst []byte, rec record) ([]byte, error) {
	dst = append(dst, `{"type":`...)
	dst = appendString(dst, rec.Type)
	dst = append(dst, `,"task_id":`...)
	dst = appendString(dst, rec.TaskID)
	if rec.TokenSHA256 != "" {
		dst = append(dst, `,"token_sha256":`...)
		dst = appendString(dst, rec.TokenSHA256)
	}
	if len(rec.Output) > 0 {
		if !json.Valid(rec.Output) {
			// Never written unchecked: a bad line would stop the log's reload.
			return nil, &json.UnsupportedValueError{Str: "output is not valid JSON"}
		}
		dst = append(dst, `,"output":`...)
		dst = append(dst, rec.Output...)
	}
	if rec.Display != "" {
		dst = append(dst, `,"display":`...)
		dst = appendString(dst, rec.Display)
	}
	if !rec.Received.IsZero() {
		dst = append(dst, `,"received":"`...)
		dst = rec.Received.AppendFormat(dst, time.RFC3339Nano)
		dst = append(dst, '"')
	}
	return append(dst, '}', '\n'), nil
}

// appendString appends s as a JSON string.
func appendString(dst []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c >= 0x7f || c == '"' || c == '\\' || c == '<' || c == '>' || c == '&' {
			b, _ := json.Marshal(s) // a string always marshals
			return append(dst, b...)
		}
	}
	dst = append(dst, '"')
	dst = append(dst, s...)
	return append(dst, '"')
}
