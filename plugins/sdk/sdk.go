// Package sdk is the one package a batchd plugin author imports: the
// contract types, the Serve helpers a plugin's main calls, helpers for a
// plugin's Configure (DecodeSettings and the Setting functions) and for
// errors that name a URI (RedactURI, URLErrorCause), what every fetcher's
// Fetch needs (Dest: the destination file with resume from
// Request.Offset, SHA-256, size, throttled progress and KeepPartial;
// Backoff and Retry: paced retries), and Report, the task-side helper that
// posts a task's result. A task program should import plugins/report
// (Report is its Post) rather than sdk: that package needs only the
// standard library, so the task program stays small.
package sdk

import (
	"log/slog"

	"github.com/hashicorp/go-hclog"
	"github.com/hashicorp/go-plugin"

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
	// Extractor is the optional archive capability of a fetcher plugin:
	// ServeFetcher serves it when the Fetcher passed also implements it.
	Extractor      = fetcher.Extractor
	ExtractRequest = fetcher.ExtractRequest
	ExtractResult  = fetcher.ExtractResult
)

// ServeWorkload serves w as a go-plugin gRPC plugin and returns when batchd
// closes the plugin. A workload plugin's main is one call to it.
func ServeWorkload(w workload.Workload) {
	serve(workload.Handshake, workload.PluginSet(w))
}

// ServeFetcher serves f as a go-plugin gRPC plugin and returns when batchd
// closes the plugin. A fetcher plugin's main is one call to it.
func ServeFetcher(f fetcher.Fetcher) {
	serve(fetcher.Handshake, fetcher.PluginSet(f))
}

// serve runs the go-plugin server over gRPC only. Before serving it points
// slog's default logger (and the log package) at Logger, so whatever the
// plugin logs reaches batchd's log under the plugin's name.
func serve(hs plugin.HandshakeConfig, plugins plugin.PluginSet) {
	slog.SetDefault(Logger())
	plugin.Serve(&plugin.ServeConfig{
		HandshakeConfig: hs,
		Plugins:         plugins,
		GRPCServer:      plugin.DefaultGRPCServer,
		Logger: hclog.New(&hclog.LoggerOptions{
			Name:       "plugin",
			Level:      hclog.LevelFromString(logLevel().String()),
			Output:     stderr,
			JSONFormat: true,
		}),
	})
}
