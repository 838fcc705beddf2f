package pluginhost

import (
	"fmt"

	"github.com/batchd/batchd/plugins/rpcerr"
)

// opErr turns an error from operation op on the plugin into one that names
// the plugin and op (none when op is "": a fetcher says itself what it
// fetched). A broken connection or an exited process also wraps
// ErrCrashed, and marks the instance for relaunch. The plugin's own message
// and sentinel survive. passed is the error of a callback batchd handed the
// call (emit, next), which is returned unchanged.
func (i *instance) opErr(op string, err, passed error) error {
	if err == nil || (passed != nil && err == passed) {
		return err
	}
	if rpcerr.Transport(err) {
		i.broken.Store(true)
	}
	if op != "" {
		op += ": "
	}
	if i.exited() {
		return fmt.Errorf("%s plugin %q (%s): %s%w: %w", i.kind, i.name, i.path, op, ErrCrashed, err)
	}
	return fmt.Errorf("%s plugin %q: %s%w", i.kind, i.name, op, err)
}
