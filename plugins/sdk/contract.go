package sdk

import "github.com/batchd/batchd/plugins/fetcher"

// Optional capabilities of a fetcher, re-exported so a plugin imports only
// sdk. ServeFetcher serves each one the Fetcher passed also implements.
type (
	// Stater tells, without fetching, which version of an object a source
	// holds now, so batchd can reuse a copy staged on an earlier run.
	Stater      = fetcher.Stater
	StatRequest = fetcher.StatRequest
	StatResult  = fetcher.StatResult
)

// ErrNotStater means the plugin does not implement Stat; batchd fetches
// again instead. It is fetcher.ErrNotStater.
var ErrNotStater = fetcher.ErrNotStater
