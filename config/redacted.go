package config

import (
	"fmt"
	"net/url"
	"strings"
)

// String returns Redacted, so printing a Config never shows the secret.
func (c *Config) String() string { return c.Redacted() }

// Redacted returns a human summary of c for `batchd validate`: every setting
// that matters with defaults filled in, but no secret, no URL credentials,
// and only the key names of fetcher settings and job params.
func (c *Config) Redacted() string {
	var b strings.Builder
	w := func(format string, args ...any) { fmt.Fprintf(&b, format+"\n", args...) }
	if c.File != "" {
		w("config %s", c.File)
	}
	cl := c.Cluster
	if cl.Master == "" {
		w("cluster: embedded, %d agent(s) of %g cpus, %s mem, %s disk",
			c.Local.Agents, c.Local.CPUs, c.Local.Mem, c.Local.Disk)
	} else {
		w("cluster: master %s (codec %s)", redactURL(cl.Master), cl.Codec)
	}
	auth := "none"
	if cl.Principal != "" {
		auth = "principal " + cl.Principal
		if cl.SecretFile != "" {
			auth += ", secret " + redacted + " from " + cl.SecretFile
		}
	}
	heartbeat := "master's default"
	if cl.HeartbeatTimeout > 0 {
		heartbeat = cl.HeartbeatTimeout.String()
	}
	w("  framework %q, role %q, auth %s", cl.Framework, cl.Role, auth)
	offerWait := "for ever"
	if cl.OfferWait > 0 {
		offerWait = cl.OfferWait.String()
	}
	w("  failover timeout %s, connect timeout %s, heartbeat timeout %s, offer wait %s", cl.FailoverTimeout, cl.ConnectTimeout, heartbeat, offerWait)
	advertise := "derived from the listener"
	if c.Server.Advertise != "" {
		advertise = redactURL(c.Server.Advertise)
	}
	tlsNote := ""
	if c.Server.TLS() {
		tlsNote = ", TLS with " + c.Server.TLSCert
		if c.Server.TLSCA != "" {
			tlsNote += ", tasks trust CA " + c.Server.TLSCA
		}
	}
	w("server: listen %s, advertise %s%s", c.Server.Listen, advertise, tlsNote)
	staging := "unbounded"
	if c.State.StagingMax > 0 {
		staging = "at most " + c.State.StagingMax.String()
	}
	w("state: %s, staging %s", c.State.Dir, staging)
	w("plugins: %s", strings.Join(c.Plugins.Dirs, ", "))
	for _, name := range sortedKeys(c.Plugins.Pins) {
		w("  pin %s = %s", name, c.Plugins.Pins[name])
	}
	for _, name := range sortedKeys(c.Fetchers) {
		w("fetcher %s: keys %s", name, keyList(c.Fetchers[name]))
	}
	if len(c.Jobs) == 0 {
		w("jobs: none")
	}
	for _, j := range c.Jobs {
		w("job %s: workload %s, %g cpus, %s mem, %d retries, timeout %s, params %s",
			j.Name, j.Workload, j.CPUs, j.Mem, j.Retries, j.Timeout, keyList(j.Params))
		for _, a := range j.Artifacts {
			w("  artifact %s (%s)", redactURL(a.URI), artifactFlags(a))
		}
	}
	return b.String()
}

// redactURL hides a password in a URL and replaces its query, which may
// hold tokens.
func redactURL(s string) string {
	u, err := url.Parse(s)
	if err != nil {
		return "(invalid URL)"
	}
	if u.RawQuery != "" {
		u.RawQuery = "redacted"
	}
	return u.Redacted()
}

func keyList(m map[string]any) string {
	if len(m) == 0 {
		return "none"
	}
	return strings.Join(sortedKeys(m), ", ")
}

func artifactFlags(a Artifact) string {
	flags := []string{a.Mode}
	for _, f := range []struct {
		on   bool
		name string
	}{{a.Executable, "executable"}, {a.Extract, "extract"}, {a.Cache && !a.Immutable, "cache"}, {a.Immutable, "cache immutable"}} {
		if f.on {
			flags = append(flags, f.name)
		}
	}
	if a.OutputFile != "" {
		flags = append(flags, "as "+a.OutputFile)
	}
	if a.Checksum != "" {
		flags = append(flags, a.Checksum)
	}
	return strings.Join(flags, ", ")
}
