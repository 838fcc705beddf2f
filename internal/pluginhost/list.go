package pluginhost

import (
	"context"

	"github.com/batchd/batchd/plugins/workload"
)

// PluginInfo describes one plugin found in the plugin folders.
type PluginInfo struct {
	Kind        Kind
	Name        string
	Path        string
	Version     string
	Description string
	// Schemes are a fetcher's URI schemes.
	Schemes []string
	// Formats are the archive formats a fetcher extracts.
	Formats []string
	// Params are a workload's parameters.
	Params []workload.Param
	// Err is why the plugin could not be launched or described, if it could not.
	Err error
}

// List launches every plugin in the plugin folders (workloads, then
// fetchers, each sorted by name) and describes it. A plugin that fails has
// its error in PluginInfo.Err; List itself does not fail.
func (h *Host) List(ctx context.Context) []PluginInfo {
	var out []PluginInfo
	for _, k := range []Kind{KindWorkload, KindFetcher} {
		for _, f := range h.scan(k) {
			pi := PluginInfo{Kind: k, Name: f.name, Path: f.path}
			inst, err := h.instanceOf(ctx, k, f.name)
			switch {
			case err != nil:
				pi.Err = err
			case k == KindWorkload:
				pi.Version, pi.Description, pi.Params = inst.winfo.Version, inst.winfo.Description, inst.winfo.Params
			default:
				pi.Version, pi.Schemes, pi.Formats = inst.finfo.Version, inst.finfo.Schemes, inst.finfo.Formats
			}
			out = append(out, pi)
		}
	}
	return out
}
