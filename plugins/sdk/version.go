package sdk

import "github.com/batchd/batchd/plugins/workload"

// ProtocolVersion is the go-plugin protocol version the SDK's Serve helpers
// speak, for workloads and fetchers alike (the ProtocolVersion of their
// handshakes). batchd launches a plugin only if it speaks the version batchd
// was built with.
//
// The SDK module (github.com/batchd/batchd/plugins, the plugins/ folder of
// the batchd repository) is versioned with the protocol: its releases are
// tagged plugins/v0.P.N, where P is ProtocolVersion and N counts releases
// that keep it: a plugin built with any v0.1.N runs under any batchd that
// speaks protocol 1. Shipped interfaces never change; a new capability comes
// as a new optional interface with a new protocol version, and so a new P.
const ProtocolVersion = workload.ProtocolVersion
