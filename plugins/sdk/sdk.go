// Package sdk is the one package a batchd plugin author imports: the
// contract types, the Serve helpers a plugin's main calls, and the
// task-side Report helper a task program uses to post its result.
package sdk

import (
	"github.com/batchd/batchd/plugins/fetcher"
	"github.com/batchd/batchd/plugins/workload"
)

// Contract types, re-exported so a plugin imports only sdk.
type (
	Workload     = workload.Workload
	WorkloadInfo = workload.Info
	Param        = workload.Param
	Job          = workload.Job
	TaskSpec     = workload.TaskSpec
	Artifact     = workload.Artifact
	Result       = workload.Result
	Summary      = workload.Summary
	Fetcher      = fetcher.Fetcher
	FetcherInfo  = fetcher.Info
	FetchRequest = fetcher.Request
	FetchResult  = fetcher.Result
	Progress     = fetcher.Progress
)

// ServeWorkload serves w as a go-plugin gRPC plugin and returns when batchd
// closes the plugin. A workload plugin's main is one call to it.
// TODO(plugins): implemented by the plugin host work.
func ServeWorkload(w workload.Workload) { panic("sdk: ServeWorkload not implemented yet") }

// ServeFetcher serves f as a go-plugin gRPC plugin and returns when batchd
// closes the plugin. A fetcher plugin's main is one call to it.
// TODO(plugins): implemented by the plugin host work.
func ServeFetcher(f fetcher.Fetcher) { panic("sdk: ServeFetcher not implemented yet") }
