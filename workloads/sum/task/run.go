package task

import (
	"context"
	"fmt"
	"io"
	"strings"

	"github.com/batchd/batchd/plugins/report"
)

// Output is what a sum task reports: its numbers, normalised, and their
// sum, as decimal strings. Sum is a pointer so that a report without one
// can be told from a sum of "".
type Output struct {
	Numbers []string `json:"numbers"`
	Sum     *string  `json:"sum"`
}

// Run is the task program: it sums the integers in args exactly (an
// argument may hold several, separated by spaces), prints
// "sum of 1 2 3 = 6" to stdout and posts the result to the collector named
// in the environment (see report.Post), with the output
// {"numbers":["1","2","3"],"sum":"6"} and the printed line as display.
func Run(ctx context.Context, args []string, stdout io.Writer) error {
	nums, err := ParseGroup(strings.Join(args, " "))
	if err != nil {
		return fmt.Errorf("sum task: %w", err)
	}
	ds := Decimals(nums)
	total := Sum(nums).String()
	line := fmt.Sprintf("sum of %s = %s", strings.Join(ds, " "), total)
	if _, err := fmt.Fprintln(stdout, line); err != nil {
		return fmt.Errorf("sum task: printing the result: %w", err)
	}
	if err := report.Post(ctx, Output{Numbers: ds, Sum: &total}, line); err != nil {
		return fmt.Errorf("sum task: reporting the result: %w", err)
	}
	return nil
}
