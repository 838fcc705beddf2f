package pluginhost

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync/atomic"
	"time"

	"github.com/batchd/batchd/plugins/fetcher"
	"github.com/batchd/batchd/plugins/loglevel"
	"github.com/batchd/batchd/plugins/workload"
	"github.com/hashicorp/go-plugin"
)

// instance is one running plugin process and batchd's gRPC client for it.
type instance struct {
	kind   Kind
	name   string
	path   string
	client *plugin.Client
	proc   *procRunner
	// broken is set when a call found the connection lost: the process is
	// dying or dead even if go-plugin has not noticed yet.
	broken atomic.Bool

	// Exactly one of these is set, with the Info its Describe returned at launch.
	workload workload.Workload
	winfo    workload.Info
	fetcher  fetcher.Fetcher
	finfo    fetcher.Info
}

// launch starts the plugin of kind k called name, checks its pin, connects,
// and calls Describe (and, for a fetcher, Configure) within CallTimeout.
func (h *Host) launch(ctx context.Context, k Kind, name string) (*instance, error) {
	path, err := h.find(k, name)
	if err != nil {
		return nil, err
	}
	pin, err := h.pin(k, name)
	if err != nil {
		return nil, err
	}
	if pin != nil {
		// go-plugin's SecureConfig cannot be used with a RunnerFunc; this
		// check is the same, made just before the start.
		if err := checkPin(path, pin); err != nil {
			return nil, err
		}
	}
	hs, set := workload.Handshake, workload.PluginSet(nil)
	dispense := workload.PluginName
	if k == KindFetcher {
		hs, set, dispense = fetcher.Handshake, fetcher.PluginSet(nil), fetcher.PluginName
	}
	// go-plugin adds batchd's own environment after this.
	proc, err := newRunner(path, []string{loglevel.Env + "=" + h.pluginLevel()})
	if err != nil {
		return nil, fmt.Errorf("starting %s plugin %q (%s): %w", k, name, path, err)
	}
	log := h.log.With("kind", string(k), "plugin", name)
	client := plugin.NewClient(&plugin.ClientConfig{
		HandshakeConfig: hs,
		Plugins:         set,
		// The plugin leads its own process group and dies with batchd;
		// Kill kills the group (see procRunner).
		RunnerFunc:       proc.runnerFunc,
		AllowedProtocols: []plugin.Protocol{plugin.ProtocolGRPC},
		Managed:          true,
		StartTimeout:     h.cfg.StartTimeout,
		Logger:           newPluginLogger(log, h.pluginLevel()),
		// What the plugin writes to os.Stdout / os.Stderr after it started
		// serving travels over go-plugin's stdio stream; log it line by line.
		SyncStdout: &slogWriter{log: log.With("stream", "stdout")},
		SyncStderr: &slogWriter{log: log.With("stream", "stderr")},
	})
	inst := &instance{kind: k, name: name, path: path, client: client, proc: proc}
	fail := func(what string, err error) (*instance, error) {
		inst.kill(h.killGrace)
		proc.release()
		if errors.Is(err, context.DeadlineExceeded) {
			err = fmt.Errorf("no answer within %v: %w", h.cfg.CallTimeout, err)
		}
		return nil, fmt.Errorf("%s %s plugin %q (%s): %w", what, k, name, path, err)
	}
	started := time.Now()
	rpc, err := client.Client()
	if err != nil {
		if time.Since(started) >= h.cfg.StartTimeout {
			// go-plugin's own error says no more ("timeout while waiting…").
			return fail("starting", fmt.Errorf("%w: no handshake within the %v start timeout", ErrHung, h.cfg.StartTimeout))
		}
		return fail("starting", fmt.Errorf("%w (is it a batchd %s plugin for protocol %d?): %w", ErrStart, k, hs.ProtocolVersion, err))
	}
	raw, err := rpc.Dispense(dispense)
	if err != nil {
		return fail("connecting to", fmt.Errorf("%w: %w", ErrStart, err))
	}
	ctx, cancel := context.WithTimeout(ctx, h.cfg.CallTimeout)
	defer cancel()
	switch k {
	case KindWorkload:
		inst.workload = raw.(workload.Workload)
		if inst.winfo, err = inst.workload.Describe(ctx); err != nil {
			return fail("describing", err)
		}
	case KindFetcher:
		inst.fetcher = raw.(fetcher.Fetcher)
		if inst.finfo, err = inst.fetcher.Describe(ctx); err != nil {
			return fail("describing", err)
		}
		if err := inst.fetcher.Configure(ctx, h.cfg.FetcherSettings[name]); err != nil {
			return fail("configuring", err)
		}
	}
	log.Debug("plugin started", "path", path, "pid", inst.pid())
	return inst, nil
}

// pluginLevel is the log level plugins are asked to log at: debug when the
// Host's logger shows debug lines, else info.
func (h *Host) pluginLevel() string {
	if h.log.Enabled(context.Background(), slog.LevelDebug) {
		return loglevel.Name(slog.LevelDebug)
	}
	return loglevel.Name(slog.LevelInfo)
}

// exited reports whether the plugin is gone or unusable.
func (i *instance) exited() bool { return i.broken.Load() || i.client.Exited() }

// pid is the plugin's process id, 0 if it never started.
func (i *instance) pid() int { return int(i.proc.pid.Load()) }

// kill ends the plugin process and waits for it. go-plugin asks the plugin
// to stop and kills its process group if it does not; if even that does not
// finish within grace (a plugin too stuck to answer), the group is killed
// directly.
func (i *instance) kill(grace time.Duration) {
	done := make(chan struct{})
	go func() {
		defer close(done)
		i.client.Kill()
	}()
	timer := time.NewTimer(grace)
	defer timer.Stop()
	select {
	case <-done:
		return
	case <-timer.C:
	}
	i.proc.killGroup()
	<-done
}
