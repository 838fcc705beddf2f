package localcluster

import (
	"flag"
	"strings"
)

// RegisterFlags adds the standalone cluster's settings to fs (e.g. for
// `batchd local-cluster --listen 127.0.0.1:5050`), with cfg's current
// values as the defaults.
func (cfg *Config) RegisterFlags(fs *flag.FlagSet) {
	fs.StringVar(&cfg.Listen, "listen", cfg.Listen, "address the master listens on (default 127.0.0.1:0)")
	fs.IntVar(&cfg.Agents, "agents", cfg.Agents, "number of agents (default 1)")
	fs.Float64Var(&cfg.CPUs, "cpus", cfg.CPUs, "CPUs per agent (default: this machine's)")
	fs.Float64Var(&cfg.MemMB, "mem", cfg.MemMB, "memory per agent in MB (default 1024)")
	fs.Float64Var(&cfg.DiskMB, "disk", cfg.DiskMB, "disk per agent in MB (default 10240)")
	fs.StringVar(&cfg.WorkDir, "work_dir", cfg.WorkDir, "folder for sandboxes and fetch caches (default: a temporary folder)")
	fs.Int64Var(&cfg.FetchCacheBytes, "fetch_cache_bytes", cfg.FetchCacheBytes, "size bound of each agent's fetch cache (default 1 GiB)")
	fs.DurationVar(&cfg.HeartbeatInterval, "heartbeat", cfg.HeartbeatInterval, "HEARTBEAT event period (default 15s)")
	fs.DurationVar(&cfg.OfferInterval, "offer_interval", cfg.OfferInterval, "allocation period (default 1s)")
	fs.DurationVar(&cfg.OfferTimeout, "offer_timeout", cfg.OfferTimeout, "rescind offers held longer (default: never)")
	fs.Func("credentials", "Mesos credentials file (JSON or \"principal secret\" lines): require HTTP basic auth", func(path string) error {
		creds, err := LoadCredentials(path)
		if err == nil {
			cfg.Credentials = creds
		}
		return err
	})
	fs.Var((*attributeFlag)(&cfg.Attributes), "attributes",
		"the next agent's attributes, as the Mesos agent's flag (\"rack:a;zone:2\"); repeat it for each agent")
}

// attributeFlag collects --attributes, one agent per use.
type attributeFlag []string

func (f *attributeFlag) String() string { return strings.Join(*f, " ") }

func (f *attributeFlag) Set(v string) error {
	if _, err := ParseAttributes(v); err != nil {
		return err
	}
	*f = append(*f, v)
	return nil
}
