// Package workloadtest drives a Workload implementation through the real
// gRPC shims in-process, so a test sees exactly what batchd would.
package workloadtest

import (
	"testing"

	"github.com/batchd/batchd/plugins/workload"
	"github.com/hashicorp/go-plugin"
)

// Conn serves impl over an in-process go-plugin gRPC connection and returns
// batchd's client for it. The connection is closed when the test ends.
func Conn(t testing.TB, impl workload.Workload) workload.Workload {
	t.Helper()
	c, _ := plugin.TestPluginGRPCConn(t, false, workload.PluginSet(impl))
	// Closing the client shuts the server down through go-plugin's controller.
	t.Cleanup(func() { _ = c.Close() })
	raw, err := c.Dispense(workload.PluginName)
	if err != nil {
		t.Fatalf("dispensing workload: %v", err)
	}
	w, ok := raw.(workload.Workload)
	if !ok {
		t.Fatalf("dispensed %T, not a workload.Workload", raw)
	}
	return w
}
