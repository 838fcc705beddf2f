package workload

import (
	"context"

	pb "github.com/batchd/batchd/plugins/workload/proto"
	"github.com/hashicorp/go-plugin"
	"google.golang.org/grpc"
)

// Handshake is the go-plugin handshake of a workload plugin. batchd and the
// plugin must agree on all of it; the cookie value differs from a
// fetcher's, so a fetcher launched as a workload refuses to start.
var Handshake = plugin.HandshakeConfig{
	ProtocolVersion:  ProtocolVersion,
	MagicCookieKey:   "BATCHD_PLUGIN",
	MagicCookieValue: "workload-8d3f6a1c5e0b4e27",
}

// GRPCPlugin is the go-plugin plugin.GRPCPlugin of the workload contract.
// On the plugin side Impl is served; on batchd's side Impl is unused and
// Dispense returns a Workload that calls the plugin.
type GRPCPlugin struct {
	plugin.NetRPCUnsupportedPlugin
	Impl Workload
}

var _ plugin.GRPCPlugin = (*GRPCPlugin)(nil)

// GRPCServer registers the workload service backed by p.Impl.
func (p *GRPCPlugin) GRPCServer(_ *plugin.GRPCBroker, s *grpc.Server) error {
	pb.RegisterWorkloadServer(s, &server{impl: p.Impl})
	return nil
}

// GRPCClient returns a Workload that calls the plugin over conn.
func (p *GRPCPlugin) GRPCClient(_ context.Context, _ *plugin.GRPCBroker, conn *grpc.ClientConn) (any, error) {
	return &client{rpc: pb.NewWorkloadClient(conn)}, nil
}

// PluginSet is the go-plugin plugin set that serves (or, with a nil impl,
// dispenses) a workload under PluginName.
func PluginSet(impl Workload) plugin.PluginSet {
	return plugin.PluginSet{PluginName: &GRPCPlugin{Impl: impl}}
}
