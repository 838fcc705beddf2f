package sdk

import (
	"github.com/batchd/batchd/plugins/fetcher"
	"github.com/batchd/batchd/plugins/workload"
)

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

// Optional capabilities of a workload, re-exported so a plugin imports
// only sdk. ServeWorkload serves each one the Workload passed also
// implements.
type (
	// Validator checks a job's params without planning it, so `batchd
	// validate` and a run report bad params as config errors naming the
	// config's file and line.
	Validator = workload.Validator
	// Problem is one thing wrong with a job's params, as Validate reports it.
	Problem = workload.Problem
)

// ErrNotValidator means the plugin does not implement Validate; batchd
// skips the check. It is workload.ErrNotValidator.
var ErrNotValidator = workload.ErrNotValidator

// ParamField is the Problem.Field of param name and the indexes of nested
// list elements: ParamField("groups", 0) is "params.groups[0]".
func ParamField(name string, index ...int) string { return workload.ParamField(name, index...) }
