// Command batchd-workload-badproto is a test workload built for a protocol
// version batchd does not speak.
package main

import (
	"context"

	"github.com/batchd/batchd/plugins/sdk"
	"github.com/batchd/batchd/plugins/workload"
	"github.com/hashicorp/go-plugin"
)

func main() {
	hs := workload.Handshake
	hs.ProtocolVersion = 99
	plugin.Serve(&plugin.ServeConfig{
		HandshakeConfig: hs,
		Plugins: workload.PluginSet(&workload.Fake{DescribeFunc: func(context.Context) (sdk.WorkloadInfo, error) {
			return sdk.WorkloadInfo{Name: "badproto"}, nil
		}}),
		GRPCServer: plugin.DefaultGRPCServer,
	})
}
