// Package-level go:generate for the plugin protocols: regenerates both
// workload/proto and fetcher/proto.

package workload

//go:generate sh ../gen.sh
