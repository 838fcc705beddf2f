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

// validate checks a config and that every workload it names is a working
// plugin whose parameters accept the job's; it runs nothing.
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
	var errs []error
	for _, j := range cfg.Jobs {
		wl, err := plugins.Workload(ctx, j.Workload)
		if err != nil {
			errs = append(errs, fmt.Errorf("job %s: %w", j.Name, err))
			continue
		}
		info, err := wl.Describe(ctx)
		if err != nil {
			errs = append(errs, fmt.Errorf("job %s: describing workload %s: %w", j.Name, j.Workload, err))
			continue
		}
		known := map[string]bool{}
		for _, p := range info.Params {
			known[p.Name] = true
			if _, ok := j.Params[p.Name]; p.Required && !ok {
				errs = append(errs, fmt.Errorf("job %s: params.%s: required by workload %s", j.Name, p.Name, j.Workload))
			}
		}
		for name := range j.Params {
			if !known[name] {
				errs = append(errs, fmt.Errorf("job %s: params.%s: workload %s has no such parameter", j.Name, name, j.Workload))
			}
		}
	}
	if err := errors.Join(errs...); err != nil {
		return usagef("%s: %w", m.configPath, err)
	}
	fmt.Fprintf(m.Stdout, "%s: ok\n%s", m.configPath, cfg.Redacted())
	return nil
}

// listPlugins prints every plugin found in the plugin folders.
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
			handles = "error: " + p.Err.Error()
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", p.Kind, p.Name, p.Version, handles, p.Path)
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
	lc := localcluster.New(localcluster.Config{
		Listen: m.listen, Agents: agents, CPUs: cfg.Local.CPUs,
		MemMB: cfg.Local.Mem.MiB(), DiskMB: cfg.Local.Disk.MiB(),
		WorkDir: work, Credentials: creds, Logger: m.log,
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
