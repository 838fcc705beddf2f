package main

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"

	"github.com/batchd/batchd/config"
	"github.com/batchd/batchd/core"
	"github.com/batchd/batchd/internal/pluginhost"
	"github.com/batchd/batchd/plugins/fetcher"
	"github.com/batchd/batchd/plugins/redact"
	"github.com/batchd/batchd/plugins/workload"
)

// checkJobs asks the plugins about every job of cfg before anything runs:
// that its workload plugin exists, that the workload accepts the job's
// params (its Validate; or else, with schema, its param schema: required
// and unknown params, which `batchd validate` checks and a run leaves to
// the plugin's Plan, as a plugin may take params it does not declare),
// that a fetcher plugin
// handles the scheme of every staged artifact and URI param, and that
// the inputs (URI params) exist. It returns the config's problems, each a
// *config.Error at the key at fault (batchd exits 2 for them), and apart
// the errors of plugins that do not work.
func checkJobs(ctx context.Context, cfg *config.Config, plugins *pluginhost.Host, schema bool) (problems, broken []error) {
	for i, j := range cfg.Jobs {
		c := jobCheck{cfg: cfg, plugins: plugins, i: i, job: j, schema: schema}
		c.run(ctx)
		problems = append(problems, c.problems...)
		broken = append(broken, c.broken...)
	}
	// In the order of the file, as config errors are.
	slices.SortStableFunc(problems, func(a, b error) int {
		var ea, eb *config.Error
		errors.As(a, &ea)
		errors.As(b, &eb)
		return cmp.Or(cmp.Compare(ea.Line, eb.Line), cmp.Compare(ea.Col, eb.Col))
	})
	return problems, broken
}

// jobCheck checks one job, the i-th of cfg.
type jobCheck struct {
	cfg      *config.Config
	plugins  *pluginhost.Host
	i        int
	job      config.Job
	schema   bool // check params against the schema when the plugin does not validate
	problems []error
	broken   []error
}

// problem records a problem of the job's key at path (relative to the
// job's table: "params.groups[0]").
func (c *jobCheck) problem(path string, format string, args ...any) {
	err := fmt.Errorf("job %s: "+format, append([]any{c.job.Name}, args...)...)
	c.problems = append(c.problems, c.cfg.KeyError(fmt.Sprintf("job[%d].%s", c.i, path), err))
}

func (c *jobCheck) run(ctx context.Context) {
	j := c.job
	wl, err := c.plugins.Workload(ctx, j.Workload)
	if errors.Is(err, pluginhost.ErrNotFound) {
		c.problem("workload", "%w", err)
		return
	}
	var info workload.Info
	if err == nil {
		info, err = wl.Describe(ctx)
	}
	if err != nil {
		c.broken = append(c.broken, fmt.Errorf("job %s: workload %s: %w", j.Name, j.Workload, err))
		return
	}
	c.params(ctx, wl, info)
	for _, p := range info.Params {
		uri, ok := j.Params[p.Name].(string)
		if p.Type == workload.ParamURI && ok && uri != "" {
			c.source(ctx, "params."+p.Name, uri, true)
		}
	}
	for k, a := range j.Artifacts {
		if a.Mode != config.ModeDirect { // the agents fetch a direct one
			c.source(ctx, fmt.Sprintf("artifacts[%d].uri", k), a.URI, false)
		}
	}
}

// params asks the workload what is wrong with the job's params, or, with
// c.schema, checks them against its schema when it does not validate.
func (c *jobCheck) params(ctx context.Context, wl workload.Workload, info workload.Info) {
	j := c.job
	if v, ok := wl.(workload.Validator); ok {
		problems, err := v.Validate(ctx, workload.Job{Name: j.Name, Params: j.Params})
		switch {
		case err == nil:
			for _, p := range problems {
				c.problem(p.Field, "workload %s: %s", j.Workload, p.Message)
			}
			return
		case !errors.Is(err, workload.ErrNotValidator):
			c.broken = append(c.broken, fmt.Errorf("job %s: checking its params: %w", j.Name, err))
			return
		}
	}
	if !c.schema {
		return
	}
	known := map[string]bool{}
	for _, p := range info.Params {
		known[p.Name] = true
		v, ok := j.Params[p.Name]
		if p.Required && !ok {
			c.problem("params."+p.Name, "required by workload %s", j.Workload)
		}
		if _, isString := v.(string); ok && p.Type == workload.ParamURI && !isString {
			c.problem("params."+p.Name, "a %T, want a URI string", v)
		}
	}
	for _, name := range slices.Sorted(maps.Keys(j.Params)) {
		if !known[name] {
			c.problem("params."+name, "workload %s has no such parameter", j.Workload)
		}
	}
}

// source checks that a fetcher plugin handles uri's scheme and, with stat
// (an input: staged on every run), that the source exists and may be read
// when the plugin can tell without fetching. An artifact's source is not
// asked here: an immutable or checksummed one is not asked at all when a
// copy is staged.
func (c *jobCheck) source(ctx context.Context, path, uri string, stat bool) {
	f, err := c.plugins.FetcherFor(ctx, core.Scheme(uri))
	if errors.Is(err, pluginhost.ErrNotFound) {
		c.problem(path, "%s: %w", redact.URI(uri), err)
		return
	}
	if err != nil {
		c.broken = append(c.broken, fmt.Errorf("job %s: %s: %w", c.job.Name, redact.URI(uri), err))
		return
	}
	st, ok := f.(fetcher.Stater)
	if !ok || !stat {
		return
	}
	// Only a verdict on the source is the config's fault; anything else
	// (the server is down, the plugin does not stat) is left to staging.
	_, err = st.Stat(ctx, fetcher.StatRequest{URI: uri})
	if errors.Is(err, fetcher.ErrNotFound) || errors.Is(err, fetcher.ErrPermission) {
		c.problem(path, "%w", err)
	}
}
