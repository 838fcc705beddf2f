// Package examples holds no code: it is the end-to-end test of the example
// plugins in the folders below it, each its own module written against the
// plugin SDK as a third party would (see docs/plugins.md):
//
//   - wordcount: a workload plugin and its task program;
//   - datafetcher: a fetcher for data: URIs, in Go;
//   - pyfetcher: a fetcher for py+file:// URIs, in Python.
//
// The test builds each from its own folder, puts the binaries in a plugin
// folder with batchd's built-in plugins, and runs jobs through them with
// `batchd --config`.
package examples
