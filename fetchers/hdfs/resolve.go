package hdfsfetch

import (
	"fmt"
	"net"
	"net/url"
	"os"
	"path"
	"strings"

	"github.com/batchd/batchd/plugins/sdk"
	"github.com/colinmarc/hdfs/v2/hadoopconf"
)

// defaultPort is the namenode RPC port when an authority names none.
const defaultPort = "8020"

// target is what a URI resolves to: the namenodes to try and the path.
type target struct {
	namenodes []string
	path      string
}

// loadHadoopConf reads core-site.xml and hdfs-site.xml from the configured
// folder or $HADOOP_CONF_DIR; with neither it is empty.
func (c Config) loadHadoopConf() (hadoopconf.HadoopConf, error) {
	dir := c.HadoopConfDir
	if dir == "" {
		dir = os.Getenv("HADOOP_CONF_DIR")
	}
	if dir == "" {
		return hadoopconf.HadoopConf{}, nil
	}
	conf, err := hadoopconf.Load(dir)
	if err != nil {
		return nil, fmt.Errorf("loading Hadoop configuration from %s: %w", dir, err)
	}
	return conf, nil
}

// resolve turns an hdfs URI into namenode addresses and a path (its errors
// name the URI, for the caller to say what it was doing):
// hdfs://host:port/p names its namenode, hdfs://NS/p a name service of the
// Hadoop configuration (or a host on port 8020), hdfs:///p the configured
// namenodes or else fs.defaultFS.
func (c Config) resolve(uri string, conf hadoopconf.HadoopConf) (target, error) {
	u, err := url.Parse(uri)
	if err != nil {
		return target{}, fmt.Errorf("%s: %w: %w", sdk.RedactURI(uri), sdk.ErrUnsupported, sdk.URLErrorCause(err))
	}
	if u.Scheme != "hdfs" {
		return target{}, fmt.Errorf("%s: %w: scheme %q is not hdfs", sdk.RedactURI(uri), sdk.ErrUnsupported, u.Scheme)
	}
	if u.User != nil {
		return target{}, fmt.Errorf("%s: %w: user info in hdfs URIs is not supported; set user in [fetchers.hdfs]", sdk.RedactURI(uri), sdk.ErrUnsupported)
	}
	p := u.Path
	if p == "" {
		p = "/"
	}
	t := target{path: path.Clean(p)}
	authority := u.Host
	if authority == "" {
		if len(c.Namenodes) > 0 {
			t.namenodes = c.Namenodes
			return t, nil
		}
		fs, err := url.Parse(conf["fs.defaultFS"])
		if err != nil || fs.Scheme != "hdfs" || fs.Host == "" {
			return target{}, fmt.Errorf("%s: %w: no namenode: set namenodes in [fetchers.hdfs] or fs.defaultFS in $HADOOP_CONF_DIR/core-site.xml", sdk.RedactURI(uri), sdk.ErrInvalidConfig)
		}
		authority = fs.Host
	}
	t.namenodes, err = nameservice(authority, conf)
	if err != nil {
		return target{}, fmt.Errorf("%s: %w", sdk.RedactURI(uri), err)
	}
	return t, nil
}

// nameservice resolves an authority: an HA name service from the Hadoop
// configuration, host:port, or a host on the default port.
func nameservice(authority string, conf hadoopconf.HadoopConf) ([]string, error) {
	if nns := conf["dfs.ha.namenodes."+authority]; nns != "" {
		var addrs []string
		for _, nn := range strings.Split(nns, ",") {
			nn = strings.TrimSpace(nn)
			key := "dfs.namenode.rpc-address." + authority + "." + nn
			addr := strings.TrimSpace(conf[key])
			if addr == "" {
				return nil, fmt.Errorf("%w: name service %s: %s is not set", sdk.ErrInvalidConfig, authority, key)
			}
			addrs = append(addrs, addr)
		}
		return addrs, nil
	}
	if addr := conf["dfs.namenode.rpc-address."+authority]; addr != "" {
		return []string{addr}, nil
	}
	if _, _, err := net.SplitHostPort(authority); err == nil {
		return []string{authority}, nil
	}
	return []string{net.JoinHostPort(authority, defaultPort)}, nil
}
