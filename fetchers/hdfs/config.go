package hdfsfetch

import (
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/batchd/batchd/plugins/sdk"
)

// Config holds the HDFS fetcher's settings ([fetchers.hdfs]; JSON keys in
// parentheses).
type Config struct {
	// Namenodes are the host:port addresses used for hdfs:///path URIs
	// ("namenodes"). Empty: fs.defaultFS from HADOOP_CONF_DIR.
	Namenodes []string
	// User is the HDFS user for SIMPLE authentication ("user"); default
	// the OS user. With Kerberos the principal decides.
	User string
	// HadoopConfDir holds core-site.xml and hdfs-site.xml ("hadoop_conf_dir");
	// default $HADOOP_CONF_DIR. It supplies fs.defaultFS and HA name
	// services (dfs.nameservices, dfs.ha.namenodes.NS,
	// dfs.namenode.rpc-address.NS.NN).
	HadoopConfDir string
	// KerberosKeytab and Principal log in from a keytab
	// ("kerberos_keytab", "principal", such as "batchd@EXAMPLE.COM").
	KerberosKeytab string
	Principal      string
	// KerberosCCache is a ticket cache to use instead of a keytab
	// ("kerberos_ccache"); default $KRB5CCNAME when Kerberos is asked for
	// by hadoop.security.authentication=kerberos.
	KerberosCCache string
	// Krb5Conf is the Kerberos configuration ("krb5_conf"); default
	// $KRB5_CONFIG or /etc/krb5.conf.
	Krb5Conf string
	// NamenodePrincipal is the namenodes' service principal
	// ("namenode_principal", such as "nn/_HOST"); default
	// dfs.namenode.kerberos.principal from the Hadoop configuration.
	NamenodePrincipal string
	// ConnectTimeout bounds each dial to a namenode or datanode
	// ("connect_timeout", default "10s").
	ConnectTimeout time.Duration
	// IdleTimeout bounds the wait for the next bytes from a datanode
	// ("idle_timeout", default "60s").
	IdleTimeout time.Duration
	// Retries is how many times in a row a read may fail without progress
	// before the fetch gives up ("retries", default 3). Each retry reopens
	// the file and resumes at the offset already written.
	Retries int
}

// DefaultConfig returns the settings used when Configure gives none.
func DefaultConfig() Config {
	return Config{ConnectTimeout: 10 * time.Second, IdleTimeout: 60 * time.Second, Retries: 3}
}

// applyJSON overlays settings on c and validates the result. Every problem
// is reported, each wrapping sdk.ErrInvalidConfig and naming its key.
func (c Config) applyJSON(settings json.RawMessage) (Config, error) {
	if err := sdk.DecodeSettings("hdfs fetcher", settings, c.set); err != nil {
		return c, err
	}
	return c, c.validate()
}

// set decodes one setting into c.
func (c *Config) set(key string, raw json.RawMessage) error {
	switch key {
	case "namenodes":
		if err := json.Unmarshal(raw, &c.Namenodes); err != nil {
			return fmt.Errorf("want a list of host:port strings")
		}
		for _, a := range c.Namenodes {
			if _, _, err := net.SplitHostPort(a); err != nil {
				return fmt.Errorf("namenode %q: %w", a, err)
			}
		}
		return nil
	case "user":
		return sdk.SettingString(raw, &c.User)
	case "hadoop_conf_dir":
		return sdk.SettingString(raw, &c.HadoopConfDir)
	case "kerberos_keytab":
		return sdk.SettingString(raw, &c.KerberosKeytab)
	case "principal":
		return sdk.SettingString(raw, &c.Principal)
	case "kerberos_ccache":
		return sdk.SettingString(raw, &c.KerberosCCache)
	case "krb5_conf":
		return sdk.SettingString(raw, &c.Krb5Conf)
	case "namenode_principal":
		return sdk.SettingString(raw, &c.NamenodePrincipal)
	case "connect_timeout":
		return sdk.SettingDuration(raw, &c.ConnectTimeout)
	case "idle_timeout":
		return sdk.SettingDuration(raw, &c.IdleTimeout)
	case "retries":
		return sdk.SettingCount(raw, &c.Retries, 0)
	}
	return fmt.Errorf("unknown key")
}

// validate checks what the settings name exists, so a typo fails at
// Configure rather than at the first fetch.
func (c Config) validate() error {
	var errs []error
	bad := func(key, format string, args ...any) {
		errs = append(errs, fmt.Errorf("configuring hdfs fetcher: %w: %s: %s", sdk.ErrInvalidConfig, key, fmt.Sprintf(format, args...)))
	}
	if c.KerberosKeytab != "" && c.Principal == "" {
		bad("principal", "required with kerberos_keytab")
	}
	if c.Principal != "" && c.KerberosKeytab == "" && c.KerberosCCache == "" {
		bad("kerberos_keytab", "principal is set but neither kerberos_keytab nor kerberos_ccache is")
	}
	if c.KerberosKeytab != "" && c.KerberosCCache != "" {
		bad("kerberos_ccache", "set only one of kerberos_keytab and kerberos_ccache")
	}
	for key, p := range map[string]string{"kerberos_keytab": c.KerberosKeytab, "kerberos_ccache": c.KerberosCCache, "krb5_conf": c.Krb5Conf, "hadoop_conf_dir": c.HadoopConfDir} {
		if p == "" {
			continue
		}
		if _, err := os.Stat(p); err != nil {
			bad(key, "%v", err)
		}
	}
	if errs == nil && c.kerberos() {
		if _, err := c.kerberosClient(); err != nil {
			errs = append(errs, fmt.Errorf("configuring hdfs fetcher: %w: %w", sdk.ErrInvalidConfig, err))
		}
	}
	slices.SortFunc(errs, func(a, b error) int { return strings.Compare(a.Error(), b.Error()) })
	return errors.Join(errs...)
}
