package sum

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"strings"
	"testing"

	"github.com/batchd/batchd/plugins/workload"
)

// results returns a next function over rs.
func results(rs ...workload.Result) func() (workload.Result, error) {
	return func() (workload.Result, error) {
		if len(rs) == 0 {
			return workload.Result{}, io.EOF
		}
		r := rs[0]
		rs = rs[1:]
		return r, nil
	}
}

func result(id, output string) workload.Result {
	return workload.Result{TaskID: id, Output: json.RawMessage(output)}
}

func TestReduce(t *testing.T) {
	tests := []struct {
		name       string
		results    []workload.Result
		wantText   string
		wantOutput string
	}{
		{"three tasks", []workload.Result{
			result("0", `{"numbers":["1","2","3"],"sum":"6"}`),
			result("1", `{"numbers":["4","5","6"],"sum":"15"}`),
			result("2", `{"numbers":["7","8","9"],"sum":"24"}`),
		}, "total 45", `{"tasks":3,"total":"45"}`},
		{"beyond int64", []workload.Result{
			result("0", `{"sum":"9223372036854775807"}`),
			result("1", `{"sum":"9223372036854775807"}`),
			result("2", `{"sum":"100000000000000000000000000000000000001"}`),
		}, "total 100000000000000000018446744073709551615", `{"tasks":3,"total":"100000000000000000018446744073709551615"}`},
		{"negatives", []workload.Result{
			result("0", `{"numbers":["-5","2"],"sum":"-3"}`),
			result("1", `{"sum":"+1"}`),
		}, "total -2", `{"tasks":2,"total":"-2"}`},
		{"no tasks", nil, "total 0", `{"tasks":0,"total":"0"}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := New().Reduce(context.Background(), workload.Job{Name: "j"}, results(tt.results...))
			if err != nil {
				t.Fatalf("Reduce: %v", err)
			}
			if s.Text != tt.wantText || string(s.Output) != tt.wantOutput {
				t.Errorf("Reduce = %q %s, want %q %s", s.Text, s.Output, tt.wantText, tt.wantOutput)
			}
		})
	}
}

func TestReduceInvalidResult(t *testing.T) {
	tests := []struct {
		name    string
		output  string
		wantErr string
	}{
		{"not JSON", `sum=6`, "invalid character"},
		{"no sum", `{"numbers":["1"]}`, `no "sum"`},
		{"sum a number", `{"sum":6}`, "cannot unmarshal number"},
		{"sum not an integer", `{"sum":"6.0"}`, `"6.0" is not an integer`},
		{"sum disagrees", `{"numbers":["1","2"],"sum":"4"}`, "sum 4 of numbers [1 2], want 3"},
		{"bad number", `{"numbers":["1","two"],"sum":"3"}`, `"two" is not an integer`},
		{"null", `null`, `no "sum"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := New().Reduce(context.Background(), workload.Job{Name: "j"},
				results(result("0", `{"sum":"1"}`), result("task-7", tt.output)))
			if !errors.Is(err, workload.ErrInvalidResult) {
				t.Fatalf("Reduce error = %v, want ErrInvalidResult", err)
			}
			for _, s := range []string{"task task-7", tt.wantErr} {
				if !strings.Contains(err.Error(), s) {
					t.Errorf("Reduce error %q does not contain %q", err, s)
				}
			}
		})
	}
}

func TestReduceNextError(t *testing.T) {
	broken := errors.New("store closed")
	_, err := New().Reduce(context.Background(), workload.Job{Name: "j"}, func() (workload.Result, error) {
		return workload.Result{}, broken
	})
	if !errors.Is(err, broken) {
		t.Fatalf("Reduce error = %v, want %v", err, broken)
	}
}
