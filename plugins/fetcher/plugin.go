package fetcher

import (
	"context"

	pb "github.com/batchd/batchd/plugins/fetcher/proto"
	"github.com/hashicorp/go-plugin"
	"google.golang.org/grpc"
)

// Handshake is the go-plugin handshake of a fetcher plugin. batchd and the
// plugin must agree on all of it; the cookie value differs from a
// workload's, so a workload launched as a fetcher refuses to start.
var Handshake = plugin.HandshakeConfig{
	ProtocolVersion:  ProtocolVersion,
	MagicCookieKey:   "BATCHD_PLUGIN",
	MagicCookieValue: "fetcher-2f9c47b0a6d1e853",
}

// GRPCPlugin is the go-plugin plugin.GRPCPlugin of the fetcher contract.
// On the plugin side Impl is served; on batchd's side Impl is unused and
// Dispense returns a Fetcher that calls the plugin.
type GRPCPlugin struct {
	plugin.NetRPCUnsupportedPlugin
	Impl Fetcher
}

var _ plugin.GRPCPlugin = (*GRPCPlugin)(nil)

// GRPCServer registers the fetcher service backed by p.Impl.
func (p *GRPCPlugin) GRPCServer(_ *plugin.GRPCBroker, s *grpc.Server) error {
	pb.RegisterFetcherServer(s, &server{impl: p.Impl})
	return nil
}

// GRPCClient returns a Fetcher that calls the plugin over conn.
func (p *GRPCPlugin) GRPCClient(_ context.Context, _ *plugin.GRPCBroker, conn *grpc.ClientConn) (any, error) {
	return &client{rpc: pb.NewFetcherClient(conn)}, nil
}

// PluginSet is the go-plugin plugin set that serves (or, with a nil impl,
// dispenses) a fetcher under PluginName.
func PluginSet(impl Fetcher) plugin.PluginSet {
	return plugin.PluginSet{PluginName: &GRPCPlugin{Impl: impl}}
}
