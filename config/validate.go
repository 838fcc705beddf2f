package config

import (
	"encoding/json"
	"fmt"
	"math"
	"net"
	"net/url"
	"regexp"
	"strconv"
	"strings"
)

var (
	jobNameRE      = regexp.MustCompile(`^[a-z0-9._-]+$`)
	workloadNameRE = regexp.MustCompile(`^[a-z0-9_-]+$`)
	pluginNameRE   = regexp.MustCompile(`^[A-Za-z0-9._-]+$`)
	checksumRE     = regexp.MustCompile(`^sha256:[0-9a-f]{64}$`)
)

// Validate checks every value of c and returns all problems joined, each
// naming the file, line, column and key. Parse and Load call it; call it
// again after changing a Config in code. It does not require any job: see
// RequireJobs.
func (c *Config) Validate() error {
	p := problems{file: c.File, pos: c.pos}
	c.validate(&p)
	return p.err()
}

func (c *Config) validate(p *problems) {
	c.validateCluster(p)
	l := c.Local
	if l.Agents < 1 {
		p.addf("local.agents", "must be >= 1")
	}
	positive(p, "local.cpus", l.CPUs)
	if l.Mem <= 0 {
		p.addf("local.mem", "must be > 0")
	}
	if l.Disk <= 0 {
		p.addf("local.disk", "must be > 0")
	}
	if err := checkListen(c.Server.Listen); err != nil {
		p.add("server.listen", err)
	}
	if c.Server.Advertise != "" {
		if err := checkURL(c.Server.Advertise, false); err != nil {
			p.add("server.advertise", err)
		} else if c.Server.TLS() && !strings.HasPrefix(c.Server.Advertise, "https://") {
			p.addf("server.advertise", "must be an https:// URL when server.tls_cert is set")
		}
	}
	if c.State.Dir == "" {
		p.addf("state.dir", "must not be empty")
	}
	if c.State.StagingMax < 0 {
		p.addf("state.staging_max", "must not be negative")
	}
	for i, dir := range c.Plugins.Dirs {
		if dir == "" {
			p.addf(indexKey("plugins.dirs", i), "must not be empty")
		}
	}
	for _, name := range sortedKeys(c.Plugins.Pins) {
		key := joinKey("plugins.pins", name)
		if !pluginNameRE.MatchString(name) {
			p.addf(key, "plugin name must match [A-Za-z0-9._-]+")
		}
		if !checksumRE.MatchString(c.Plugins.Pins[name]) {
			p.addf(key, "must be \"sha256:\" followed by 64 hex digits")
		}
	}
	for _, name := range sortedKeys(c.Fetchers) {
		key := joinKey("fetchers", name)
		if !workloadNameRE.MatchString(name) {
			p.addf(key, "fetcher name must match [a-z0-9_-]+")
		}
		if _, err := json.Marshal(c.Fetchers[name]); err != nil {
			p.addf(key, "cannot be handed to the plugin as JSON: %v", err)
		}
	}
	seen := map[string]int{}
	for i := range c.Jobs {
		c.validateJob(p, i, seen)
	}
}

func (c *Config) validateCluster(p *problems) {
	cl := c.Cluster
	if cl.Master != "" {
		if err := checkURL(cl.Master, true); err != nil {
			p.add("cluster.master", err)
		}
	}
	if cl.Framework == "" {
		p.addf("cluster.framework", "must not be empty")
	}
	if cl.Role == "" || strings.ContainsFunc(cl.Role, func(r rune) bool { return r <= ' ' }) {
		p.addf("cluster.role", "must be a non-empty name without spaces")
	}
	if cl.SecretFile != "" && cl.Principal == "" {
		p.addf("cluster.secret_file", "needs cluster.principal to be set")
	}
	if cl.FailoverTimeout < 0 {
		p.addf("cluster.failover_timeout", "must not be negative")
	}
	if cl.Codec != CodecProtobuf && cl.Codec != CodecJSON {
		p.addf("cluster.codec", "must be %q or %q, got %q", CodecProtobuf, CodecJSON, cl.Codec)
	}
	if cl.HeartbeatTimeout < 0 {
		p.addf("cluster.heartbeat_timeout", "must not be negative")
	}
	if cl.ConnectTimeout <= 0 {
		p.addf("cluster.connect_timeout", "must be > 0")
	}
	if cl.OfferWait < 0 {
		p.addf("cluster.offer_wait", "must not be negative (0 waits for ever)")
	}
}

func (c *Config) validateJob(p *problems, i int, seen map[string]int) {
	j := c.Jobs[i]
	path := indexKey("job", i)
	switch {
	case j.Name == "":
		p.addf(joinKey(path, "name"), "required")
	case !jobNameRE.MatchString(j.Name):
		p.addf(joinKey(path, "name"), "must match [a-z0-9._-]+, got %q", j.Name)
	default:
		if first, dup := seen[j.Name]; dup {
			p.addf(joinKey(path, "name"), "duplicate job name %q (first used by job[%d])", j.Name, first)
		} else {
			seen[j.Name] = i
		}
	}
	if j.Output != "" {
		if first, dup := seen["output "+j.Output]; dup {
			p.addf(joinKey(path, "output"), "file %s is already the output of job[%d]", j.Output, first)
		} else {
			seen["output "+j.Output] = i
		}
	}
	switch {
	case j.Workload == "":
		p.addf(joinKey(path, "workload"), "required")
	case !workloadNameRE.MatchString(j.Workload):
		p.addf(joinKey(path, "workload"), "must match [a-z0-9_-]+, got %q", j.Workload)
	}
	positive(p, joinKey(path, "cpus"), j.CPUs)
	if j.Mem <= 0 {
		p.addf(joinKey(path, "mem"), "must be > 0")
	}
	if c.Cluster.Master == "" { // the embedded cluster: every agent's size is known
		if l := c.Local; l.CPUs > 0 && j.CPUs > l.CPUs {
			p.addf(joinKey(path, "cpus"), "%g per task is more than an embedded agent has ([local] cpus = %g): no task of this job could ever run", j.CPUs, l.CPUs)
		}
		if l := c.Local; l.Mem > 0 && j.Mem > l.Mem {
			p.addf(joinKey(path, "mem"), "%s per task is more than an embedded agent has ([local] mem = %s): no task of this job could ever run", j.Mem, l.Mem)
		}
		if l := c.Local; l.Disk > 0 && j.Disk > l.Disk {
			p.addf(joinKey(path, "disk"), "%s per task is more than an embedded agent has ([local] disk = %s): no task of this job could ever run", j.Disk, l.Disk)
		}
		if j.GPUs > 0 {
			p.addf(joinKey(path, "gpus"), "the embedded agents have no GPUs: no task of this job could ever run (set [cluster] master to a Mesos cluster with GPU agents)")
		}
		if ct := j.Container; ct != nil && ct.Image != "" {
			p.addf(joinKey(path, "container"), "the embedded agents run commands on this machine and cannot run the image %q (set [cluster] master to a Mesos cluster)", ct.Image)
		}
	}
	if j.GPUs < 0 {
		p.addf(joinKey(path, "gpus"), "must not be negative")
	}
	if j.Disk < 0 {
		p.addf(joinKey(path, "disk"), "must not be negative")
	}
	if j.RetryBackoff < 0 {
		p.addf(joinKey(path, "retry_backoff"), "must not be negative")
	}
	if j.Retries > MaxJobRetries {
		p.addf(joinKey(path, "retries"), "must be <= %d, got %d", MaxJobRetries, j.Retries)
	}
	if j.Retries < 0 {
		p.addf(joinKey(path, "retries"), "must be >= 0")
	}
	if j.Timeout <= 0 {
		p.addf(joinKey(path, "timeout"), "must be > 0")
	}
	if j.PluginTimeout <= 0 {
		p.addf(joinKey(path, "plugin_timeout"), "must be > 0")
	}
	if _, err := json.Marshal(j.Params); err != nil {
		p.addf(joinKey(path, "params"), "cannot be handed to the plugin as JSON: %v", err)
	}
	for k, a := range j.Artifacts {
		validateArtifact(p, indexKey(joinKey(path, "artifacts"), k), a)
	}
}

func validateArtifact(p *problems, path string, a Artifact) {
	if a.URI == "" {
		p.addf(joinKey(path, "uri"), "required")
	} else if _, err := url.Parse(a.URI); err != nil {
		p.addf(joinKey(path, "uri"), "not a valid URI")
	}
	if f := a.OutputFile; f != "" && (f == "." || f == ".." || strings.ContainsAny(f, "/\\\x00")) {
		p.addf(joinKey(path, "output_file"), "must be a plain file name (no slashes, not \".\" or \"..\")")
	}
	if a.Checksum != "" && !checksumRE.MatchString(strings.ToLower(a.Checksum)) {
		p.addf(joinKey(path, "checksum"), "must be \"sha256:\" followed by 64 hex digits")
	}
	if a.Mode != ModeStaged && a.Mode != ModeDirect {
		p.addf(joinKey(path, "mode"), "must be %q or %q, got %q", ModeStaged, ModeDirect, a.Mode)
	}
}

func positive(p *problems, path string, v float64) {
	if !(v > 0) || math.IsInf(v, 0) {
		p.addf(path, "must be > 0")
	}
}

// checkURL accepts http(s)://host[:port][/]; needPort makes the port
// mandatory. Its errors never repeat the URL, which may hold credentials.
func checkURL(s string, needPort bool) error {
	u, err := url.Parse(s)
	if err != nil {
		return fmt.Errorf("not a valid URL")
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return fmt.Errorf("must be an http:// or https:// URL")
	}
	if u.User != nil {
		return fmt.Errorf("must not hold credentials (use cluster.principal and cluster.secret_file)")
	}
	if u.Hostname() == "" {
		return fmt.Errorf("must name a host")
	}
	if port := u.Port(); port != "" || needPort {
		if err := checkPort(port, 1); err != nil {
			return err
		}
	}
	if needPort && (u.Path != "" && u.Path != "/" || u.RawQuery != "" || u.Fragment != "") {
		return fmt.Errorf("must be http(s)://host:port with no path")
	}
	return nil
}

// checkListen accepts host:port with port 0 meaning any free port.
func checkListen(s string) error {
	_, port, err := net.SplitHostPort(s)
	if err != nil {
		return fmt.Errorf("must be host:port, e.g. %q", DefaultListen)
	}
	return checkPort(port, 0)
}

func checkPort(port string, lowest int) error {
	n, err := strconv.Atoi(port)
	if err != nil || n < lowest || n > 65535 {
		return fmt.Errorf("must have a port number between %d and 65535", lowest)
	}
	return nil
}
