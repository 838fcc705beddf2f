package sdk_test

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/batchd/batchd/plugins/sdk"
)

// Retry makes attempts until one succeeds, one fails for good (Permanent)
// or the retries are spent.
func ExampleBackoff_Retry() {
	calls := 0
	b := sdk.Backoff{Base: time.Millisecond, Max: 10 * time.Millisecond, Retries: 4}
	err := b.Retry(context.Background(), func() error {
		if calls++; calls == 1 {
			return errors.New("connection reset") // retried
		}
		return sdk.Permanent(fmt.Errorf("%w: no such file", sdk.ErrNotFound))
	})
	fmt.Println(b.Attempts(), err, errors.Is(err, sdk.ErrNotFound))
	// Output: 2 fetcher: not found: no such file true
}

// Next paces a loop of attempts written by hand.
func ExampleBackoff() {
	errBusy := errors.New("server busy")
	calls := 0
	attempt := func() error {
		if calls++; calls < 3 {
			return errBusy
		}
		return nil
	}

	b := sdk.Backoff{Base: time.Millisecond, Max: 10 * time.Millisecond, Retries: 4}
	var err error
	for b.Next(context.Background()) {
		if err = attempt(); err == nil || !errors.Is(err, errBusy) {
			break
		}
	}
	fmt.Println(b.Attempts(), err)
	// Output: 3 <nil>
}
