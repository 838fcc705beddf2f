// Package workloadpb is the generated Go code of the workload plugin protocol
// (workload.proto): messages and gRPC client and server stubs. Regenerate with
// ../../gen.sh.
package workloadpb
