package hdfsfetch

import (
	"fmt"
	"os"
	"os/user"
	"strings"

	krb "github.com/jcmturner/gokrb5/v8/client"
	"github.com/jcmturner/gokrb5/v8/config"
	"github.com/jcmturner/gokrb5/v8/credentials"
	"github.com/jcmturner/gokrb5/v8/keytab"
)

// kerberos reports whether the settings ask for Kerberos.
func (c Config) kerberos() bool { return c.KerberosKeytab != "" || c.KerberosCCache != "" }

// krb5ConfPath is the Kerberos configuration file the settings select.
func (c Config) krb5ConfPath() string {
	switch {
	case c.Krb5Conf != "":
		return c.Krb5Conf
	case os.Getenv("KRB5_CONFIG") != "":
		return os.Getenv("KRB5_CONFIG")
	}
	return "/etc/krb5.conf"
}

// kerberosClient builds the gokrb5 client from a keytab or a ticket cache.
// It parses files but does not contact the KDC: that happens on the first
// connection to a namenode.
func (c Config) kerberosClient() (*krb.Client, error) {
	confPath := c.krb5ConfPath()
	conf, err := config.Load(confPath)
	if err != nil {
		return nil, fmt.Errorf("krb5_conf: loading %s: %w", confPath, err)
	}
	if c.KerberosCCache != "" {
		path := strings.TrimPrefix(c.KerberosCCache, "FILE:")
		cc, err := credentials.LoadCCache(path)
		if err != nil {
			return nil, fmt.Errorf("kerberos_ccache: loading %s: %w", path, err)
		}
		cl, err := krb.NewFromCCache(cc, conf, krb.DisablePAFXFAST(true))
		if err != nil {
			return nil, fmt.Errorf("kerberos_ccache: %s: %w", path, err)
		}
		return cl, nil
	}
	name, realm, ok := strings.Cut(c.Principal, "@")
	if !ok {
		realm = conf.LibDefaults.DefaultRealm
	}
	if name == "" || realm == "" {
		return nil, fmt.Errorf("principal %q: want name@REALM (or a default_realm in %s)", c.Principal, confPath)
	}
	kt, err := keytab.Load(c.KerberosKeytab)
	if err != nil {
		return nil, fmt.Errorf("kerberos_keytab: loading %s: %w", c.KerberosKeytab, err)
	}
	return krb.NewWithKeytab(name, realm, kt, conf, krb.DisablePAFXFAST(true)), nil
}

// ccacheFromEnv is the ticket cache kinit leaves: $KRB5CCNAME or
// /tmp/krb5cc_UID.
func ccacheFromEnv() string {
	if p := os.Getenv("KRB5CCNAME"); p != "" {
		return p
	}
	if u, err := user.Current(); err == nil {
		return "/tmp/krb5cc_" + u.Uid
	}
	return ""
}
