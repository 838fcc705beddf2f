package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"text/tabwriter"

	"github.com/batchd/batchd/config"
	"github.com/batchd/batchd/internal/pluginhost"
	"github.com/batchd/batchd/localcluster"
)

// validate checks a config and asks the plugins about its jobs (see
// checkJobs): their workloads exist and accept their params, and a fetcher
// plugin handles every URI. It runs nothing; any problem exits 2.
func (m *Main) validate(ctx context.Context) error {
	cfg, err := m.loadConfig()
	if err != nil {
		return err
	}
	if err := cfg.RequireJobs(); err != nil {
		return usagef("%w", err)
	}
	plugins := m.pluginHost(cfg)
	defer plugins.Close()
	problems, broken := checkJobs(ctx, cfg, plugins, true)
	if err := errors.Join(append(problems, broken...)...); err != nil {
		return usagef("%w", err)
	}
	fmt.Fprintf(m.Stdout, "%s: ok\n%s", m.configPath, cfg.Redacted())
	return nil
}

// listPlugins prints every file of the plugin folders: each plugin with
// what it handles, each file batchd cannot use with the reason. The
// plugins are started all at once, each bounded by the start timeout.
func (m *Main) listPlugins(ctx context.Context) error {
	cfg, err := m.optionalConfig()
	if err != nil {
		return err
	}
	dirs := m.pluginDirs(cfg)
	plugins := m.pluginHost(cfg)
	defer plugins.Close()
	list := plugins.List(ctx)
	if len(list) == 0 {
		return fmt.Errorf("no plugins found in %s", strings.Join(dirs, ", "))
	}
	tw := tabwriter.NewWriter(m.Stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "KIND\tNAME\tVERSION\tHANDLES\tPATH")
	for _, p := range list {
		handles := handles(p)
		if p.Err != nil {
			handles = "error: " + strings.ReplaceAll(p.Err.Error(), "\n", "; ")
		}
		kind := string(p.Kind)
		if kind == "" {
			kind = "-"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", kind, p.Name, p.Version, handles, p.Path)
	}
	return tw.Flush()
}

// localCluster runs the embedded Mesos-API cluster until ctx ends.
func (m *Main) localCluster(ctx context.Context) error {
	cfg := config.Default()
	if m.configPath != "" {
		c, err := m.loadConfig()
		if err != nil {
			return err
		}
		cfg = c
	}
	agents := cfg.Local.Agents
	if m.agents > 0 {
		agents = m.agents
	}
	var creds map[string]string
	if m.credsFile != "" {
		var err error
		if creds, err = localcluster.LoadCredentials(m.credsFile); err != nil {
			return usagef("--credentials: %w", err)
		}
	}
	work := m.workDir
	if work == "" {
		dir, err := os.MkdirTemp("", "batchd-local-cluster-")
		if err != nil {
			return fmt.Errorf("creating work folder: %w", err)
		}
		defer os.RemoveAll(dir)
		work = dir
	}
	work, _ = filepath.Abs(work)
	attrs := cfg.Local.Attributes
	if len(m.attributes) > 0 {
		attrs = m.attributes
	}
	lc := localcluster.New(localcluster.Config{
		Listen: m.listen, Agents: agents, CPUs: cfg.Local.CPUs,
		MemMB: cfg.Local.Mem.MiB(), DiskMB: cfg.Local.Disk.MiB(),
		WorkDir: work, Credentials: creds, Logger: m.log, Attributes: attrs,
	})
	if err := lc.Start(ctx); err != nil {
		return fmt.Errorf("starting the embedded cluster on %s: %w", m.listen, err)
	}
	defer lc.Close()
	auth := ""
	if len(creds) > 0 {
		auth = fmt.Sprintf(", HTTP basic auth required (%d principals)", len(creds))
	}
	fmt.Fprintf(m.Stdout, "local cluster: Mesos v1 scheduler API at %s/api/v1/scheduler, %d agents, sandboxes in %s%s\n", lc.URL(), agents, work, auth)
	<-ctx.Done()
	return nil
}

// handles says what a plugin handles: a fetcher's schemes, a workload's params.
func handles(p pluginhost.PluginInfo) string {
	if p.Kind == pluginhost.KindFetcher {
		var parts []string
		if len(p.Schemes) > 0 {
			parts = append(parts, "schemes: "+strings.Join(p.Schemes, ","))
		}
		if len(p.Formats) > 0 {
			parts = append(parts, "archives: "+strings.Join(p.Formats, ","))
		}
		return strings.Join(parts, "; ")
	}
	var names []string
	for _, prm := range p.Params {
		names = append(names, prm.Name+":"+string(prm.Type))
	}
	return "params: " + strings.Join(names, ",")
}
