package host

import (
	"fmt"

	"github.com/batchd/batchd/plugins/internal/rpcerr"
)

// callErr turns an error from a call to the plugin into one that names the
// plugin. A broken connection or an exited process also wraps ErrCrashed.
// The plugin's own message and sentinel survive.
func (i *instance) callErr(err error) error {
	if err == nil {
		return nil
	}
	if rpcerr.Transport(err) {
		i.broken.Store(true)
	}
	if i.exited() {
		return fmt.Errorf("%s plugin %q (%s): %w: %w", i.kind, i.name, i.path, ErrCrashed, err)
	}
	return fmt.Errorf("%s plugin %q: %w", i.kind, i.name, err)
}

// opErr is callErr for a named operation, leaving alone the error of a
// callback batchd handed the call (marked by passed).
func (i *instance) opErr(op string, err, passed error) error {
	if err == nil || (passed != nil && err == passed) {
		return err
	}
	return fmt.Errorf("%s: %w", op, i.callErr(err))
}
