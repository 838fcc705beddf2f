// Package fetcherpb is the generated Go code of the fetcher plugin protocol
// (fetcher.proto): messages and gRPC client and server stubs. Regenerate with
// ../../gen.sh.
package fetcherpb
