// Package fetchertest drives a Fetcher implementation through the real
// gRPC shims in-process, so a test sees exactly what batchd would.
package fetchertest

import (
	"testing"

	"github.com/batchd/batchd/plugins/fetcher"
	"github.com/hashicorp/go-plugin"
)

// Conn serves impl over an in-process go-plugin gRPC connection and returns
// batchd's client for it. The connection is closed when the test ends.
func Conn(t testing.TB, impl fetcher.Fetcher) fetcher.Fetcher {
	t.Helper()
	c, _ := plugin.TestPluginGRPCConn(t, false, fetcher.PluginSet(impl))
	// Closing the client shuts the server down through go-plugin's controller.
	t.Cleanup(func() { _ = c.Close() })
	raw, err := c.Dispense(fetcher.PluginName)
	if err != nil {
		t.Fatalf("dispensing fetcher: %v", err)
	}
	f, ok := raw.(fetcher.Fetcher)
	if !ok {
		t.Fatalf("dispensed %T, not a fetcher.Fetcher", raw)
	}
	return f
}

// Extractor is Conn for the optional Extractor capability: batchd's client
// for impl, as an Extractor. Calls reach impl's Extract if it has one.
func Extractor(t testing.TB, impl fetcher.Fetcher) fetcher.Extractor {
	t.Helper()
	x, ok := Conn(t, impl).(fetcher.Extractor)
	if !ok {
		t.Fatal("batchd's fetcher client is not a fetcher.Extractor")
	}
	return x
}

// Stater is Conn for the optional Stater capability: batchd's client for
// impl, as a Stater. Calls reach impl's Stat if it has one.
func Stater(t testing.TB, impl fetcher.Fetcher) fetcher.Stater {
	t.Helper()
	s, ok := Conn(t, impl).(fetcher.Stater)
	if !ok {
		t.Fatal("batchd's fetcher client is not a fetcher.Stater")
	}
	return s
}
