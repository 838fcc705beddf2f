package sum

import (
	"context"
	"fmt"
	"io"
	"strings"

	"github.com/batchd/batchd/plugins/sdk"
)

// RunTask is the task program: it sums the integers in args exactly,
// prints "sum of 1 2 3 = 6" to stdout and posts the result to the
// collector named in the environment (see sdk.Report), with the output
// {"numbers":["1","2","3"],"sum":"6"} and the printed line as display.
func RunTask(ctx context.Context, args []string, stdout io.Writer) error {
	nums, err := parseGroup(strings.Join(args, " "))
	if err != nil {
		return fmt.Errorf("sum task: %w", err)
	}
	ds := decimals(nums)
	total := sum(nums).String()
	line := fmt.Sprintf("sum of %s = %s", strings.Join(ds, " "), total)
	if _, err := fmt.Fprintln(stdout, line); err != nil {
		return fmt.Errorf("sum task: printing the result: %w", err)
	}
	out := taskOutput{Numbers: ds, Sum: &total}
	if err := sdk.Report(ctx, out, line); err != nil {
		return fmt.Errorf("sum task: reporting the result: %w", err)
	}
	return nil
}
