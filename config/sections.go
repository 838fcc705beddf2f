package config

import "strings"

// config decodes the whole document into c, whose fields hold the defaults.
func (d *decoder) config(c *Config, doc map[string]any) {
	d.table("", doc, fields{
		"cluster": func(path string, v any) {
			cl := &c.Cluster
			d.table(path, v, fields{
				"master":            d.str(&cl.Master),
				"framework":         d.str(&cl.Framework),
				"role":              d.str(&cl.Role),
				"principal":         d.str(&cl.Principal),
				"secret_file":       d.str(&cl.SecretFile),
				"failover_timeout":  d.duration(&cl.FailoverTimeout),
				"codec":             d.str(&cl.Codec),
				"heartbeat_timeout": d.duration(&cl.HeartbeatTimeout),
				"connect_timeout":   d.duration(&cl.ConnectTimeout),
				"offer_wait":        d.duration(&cl.OfferWait),
			})
		},
		"local": func(path string, v any) {
			l := &c.Local
			d.table(path, v, fields{
				"agents":     d.integer(&l.Agents),
				"cpus":       d.number(&l.CPUs),
				"mem":        d.size(&l.Mem),
				"disk":       d.size(&l.Disk),
				"attributes": d.stringList(&l.Attributes),
			})
		},
		"server": func(path string, v any) {
			d.table(path, v, fields{
				"listen":    d.str(&c.Server.Listen),
				"advertise": d.str(&c.Server.Advertise),
				"tls_cert":  d.str(&c.Server.TLSCert),
				"tls_key":   d.str(&c.Server.TLSKey),
				"tls_ca":    d.str(&c.Server.TLSCA),
			})
		},
		"state": func(path string, v any) {
			d.table(path, v, fields{
				"dir":         d.str(&c.State.Dir),
				"staging_max": d.size(&c.State.StagingMax),
				"sync":        d.boolean(&c.State.Sync),
			})
		},
		"plugins": func(path string, v any) {
			d.table(path, v, fields{
				"dirs": d.stringList(&c.Plugins.Dirs),
				"pins": d.pins(&c.Plugins.Pins),
			})
		},
		"fetchers": d.fetchers(&c.Fetchers),
		"job": func(path string, v any) {
			d.tables(path, v, "[[job]] tables", func(path string, v any) {
				c.Jobs = append(c.Jobs, d.job(path, v))
			})
		},
	})
}

// job decodes one [[job]] table.
func (d *decoder) job(path string, v any) Job {
	j := DefaultJob()
	d.table(path, v, fields{
		"name":           d.str(&j.Name),
		"workload":       d.str(&j.Workload),
		"cpus":           d.number(&j.CPUs),
		"mem":            d.size(&j.Mem),
		"retries":        d.integer(&j.Retries),
		"retry_backoff":  d.duration(&j.RetryBackoff),
		"timeout":        d.duration(&j.Timeout),
		"plugin_timeout": d.duration(&j.PluginTimeout),
		"params":         d.raw(&j.Params),
		"output":         d.str(&j.Output),
		"disk":           d.size(&j.Disk),
		"gpus":           d.number(&j.GPUs),
		"user":           d.str(&j.User),
		"labels":         d.labels(&j.Labels),
		"constraints":    d.constraints(&j.Constraints),
		"container":      d.container(&j.Container),
		"artifacts": func(path string, v any) {
			d.tables(path, v, "[[job.artifacts]] tables", func(path string, v any) {
				j.Artifacts = append(j.Artifacts, d.artifact(path, v))
			})
		},
	})
	return j
}

// artifact decodes one [[job.artifacts]] table.
func (d *decoder) artifact(path string, v any) Artifact {
	a := DefaultArtifact()
	d.table(path, v, fields{
		"uri":        d.str(&a.URI),
		"executable": d.boolean(&a.Executable),
		"extract": func(path string, v any) {
			d.boolean(&a.Extract)(path, v)
			a.ExtractSet = true
		},
		"cache":       d.cache(&a),
		"output_file": d.str(&a.OutputFile),
		"checksum":    d.str(&a.Checksum),
		"mode":        d.str(&a.Mode),
	})
	a.Checksum = strings.ToLower(a.Checksum)
	return a
}

// CacheImmutable is the value of an artifact's cache key for a URI whose
// bytes never change.
const CacheImmutable = "immutable"

// cache decodes an artifact's cache key: true or false (the agents' fetch
// cache, as the Mesos fetcher's URI.cache), or "immutable" (also: reuse the
// staged copy without revalidating it).
func (d *decoder) cache(a *Artifact) func(string, any) {
	return func(path string, v any) {
		switch v := v.(type) {
		case bool:
			a.Cache = v
		case string:
			if v != CacheImmutable {
				d.addf(path, "expected true, false or %q, got %q", CacheImmutable, v)
				return
			}
			a.Cache, a.Immutable = true, true
		default:
			d.addf(path, "expected true, false or %q, got %s", CacheImmutable, tomlType(v))
		}
	}
}

// pins decodes [plugins.pins]: plugin name -> checksum string.
func (d *decoder) pins(dst *map[string]string) func(string, any) {
	return func(path string, v any) {
		m, ok := v.(map[string]any)
		if !ok {
			d.addf(path, "expected a table of plugin name = \"sha256:<hex>\", got %s", tomlType(v))
			return
		}
		out := make(map[string]string, len(m))
		for _, name := range sortedKeys(m) {
			s, ok := m[name].(string)
			if !ok {
				d.addf(joinKey(path, name), "expected a string \"sha256:<hex>\", got %s", tomlType(m[name]))
				continue
			}
			out[name] = strings.ToLower(s)
		}
		*dst = out
	}
}

// fetchers decodes [fetchers]: fetcher name -> settings table, kept raw.
func (d *decoder) fetchers(dst *map[string]map[string]any) func(string, any) {
	return func(path string, v any) {
		m, ok := v.(map[string]any)
		if !ok {
			d.addf(path, "expected [fetchers.<name>] tables, got %s", tomlType(v))
			return
		}
		out := make(map[string]map[string]any, len(m))
		for _, name := range sortedKeys(m) {
			var t map[string]any
			d.raw(&t)(joinKey(path, name), m[name])
			if t != nil {
				out[name] = t
			}
		}
		*dst = out
	}
}
