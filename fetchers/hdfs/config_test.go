package hdfsfetch

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/batchd/batchd/internal/hdfstest"
	"github.com/batchd/batchd/plugins/fetcher"
	"github.com/jcmturner/gokrb5/v8/keytab"
)

const krb5Conf = `[libdefaults]
  default_realm = EXAMPLE.COM
  dns_lookup_kdc = false
[realms]
  EXAMPLE.COM = {
    kdc = 127.0.0.1:1
  }
`

// writeKeytab writes a keytab holding one key for principal@EXAMPLE.COM.
func writeKeytab(t *testing.T, dir, principal string) string {
	t.Helper()
	kt := keytab.New()
	if err := kt.AddEntry(principal, "EXAMPLE.COM", "secret", time.Unix(1_700_000_000, 0), 1, 18); err != nil {
		t.Fatal(err)
	}
	b, err := kt.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(dir, "batchd.keytab")
	if err := os.WriteFile(p, b, 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestConfigure(t *testing.T) {
	dir := t.TempDir()
	krb := filepath.Join(dir, "krb5.conf")
	if err := os.WriteFile(krb, []byte(krb5Conf), 0o644); err != nil {
		t.Fatal(err)
	}
	kt := writeKeytab(t, dir, "batchd")
	garbage := filepath.Join(dir, "garbage")
	if err := os.WriteFile(garbage, []byte("not a keytab"), 0o644); err != nil {
		t.Fatal(err)
	}
	missing := filepath.Join(dir, "missing.keytab")
	q := func(s string) string { b, _ := json.Marshal(s); return string(b) }
	tests := []struct {
		name     string
		settings string
		mention  []string // empty: valid
	}{
		{"empty", ``, nil},
		{"empty object", `{}`, nil},
		{"all simple keys", `{"namenodes": ["nn1:8020", "nn2:8020"], "user": "etl", "connect_timeout": "3s", "idle_timeout": "1m", "retries": 5, "hadoop_conf_dir": ` + q(dir) + `}`, nil},
		{"kerberos keytab", `{"kerberos_keytab": ` + q(kt) + `, "principal": "batchd@EXAMPLE.COM", "krb5_conf": ` + q(krb) + `, "namenode_principal": "nn/_HOST@EXAMPLE.COM"}`, nil},
		{"principal takes the default realm", `{"kerberos_keytab": ` + q(kt) + `, "principal": "batchd", "krb5_conf": ` + q(krb) + `}`, nil},
		{"unknown keys", `{"namenode": ["x:1"], "passwd": "x"}`, []string{`namenode: unknown key`, `passwd: unknown key`}},
		{"bad values", `{"namenodes": ["no-port"], "retries": -1, "connect_timeout": "soon", "user": 7}`, []string{"namenodes", "retries", "connect_timeout", "user"}},
		{"missing keytab", `{"kerberos_keytab": ` + q(missing) + `, "principal": "batchd@EXAMPLE.COM", "krb5_conf": ` + q(krb) + `}`, []string{"kerberos_keytab", missing}},
		{"keytab not a keytab", `{"kerberos_keytab": ` + q(garbage) + `, "principal": "batchd@EXAMPLE.COM", "krb5_conf": ` + q(krb) + `}`, []string{"kerberos_keytab", garbage}},
		{"keytab without principal", `{"kerberos_keytab": ` + q(kt) + `, "krb5_conf": ` + q(krb) + `}`, []string{"principal: required"}},
		{"principal without credentials", `{"principal": "batchd@EXAMPLE.COM"}`, []string{"kerberos_keytab"}},
		{"missing krb5.conf", `{"kerberos_keytab": ` + q(kt) + `, "principal": "batchd@EXAMPLE.COM", "krb5_conf": ` + q(filepath.Join(dir, "nope.conf")) + `}`, []string{"krb5_conf"}},
		{"missing ticket cache", `{"kerberos_ccache": ` + q(filepath.Join(dir, "cc")) + `, "krb5_conf": ` + q(krb) + `}`, []string{"kerberos_ccache"}},
		{"missing hadoop conf dir", `{"hadoop_conf_dir": ` + q(filepath.Join(dir, "nope")) + `}`, []string{"hadoop_conf_dir"}},
		{"not an object", `[1]`, []string{"invalid config"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := New(DefaultConfig()).Configure(context.Background(), json.RawMessage(tt.settings))
			if len(tt.mention) == 0 {
				if err != nil {
					t.Fatalf("Configure: %v", err)
				}
				return
			}
			if !errors.Is(err, fetcher.ErrInvalidConfig) {
				t.Fatalf("error = %v, want ErrInvalidConfig", err)
			}
			for _, m := range tt.mention {
				if !strings.Contains(err.Error(), m) {
					t.Errorf("error %q does not mention %q", err, m)
				}
			}
		})
	}
}

// writeHadoopConf writes core-site.xml and hdfs-site.xml into a new folder.
func writeHadoopConf(t *testing.T, core, hdfs map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, props := range map[string]map[string]string{"core-site.xml": core, "hdfs-site.xml": hdfs} {
		var b strings.Builder
		b.WriteString("<?xml version=\"1.0\"?>\n<configuration>\n")
		for k, v := range props {
			fmt.Fprintf(&b, "  <property><name>%s</name><value>%s</value></property>\n", k, v)
		}
		b.WriteString("</configuration>\n")
		if err := os.WriteFile(filepath.Join(dir, name), []byte(b.String()), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func TestHANameservice(t *testing.T) {
	c := hdfstest.Start(t, hdfstest.Options{})
	if err := c.Put("/ha/file", []byte("through the name service"), 0o644); err != nil {
		t.Fatal(err)
	}
	// nn1 is down: the client must fail over to nn2.
	dir := writeHadoopConf(t,
		map[string]string{"fs.defaultFS": "hdfs://mycluster"},
		map[string]string{
			"dfs.nameservices":                       "mycluster",
			"dfs.ha.namenodes.mycluster":             "nn1, nn2",
			"dfs.namenode.rpc-address.mycluster.nn1": hdfstest.UnreachableAddr(t),
			"dfs.namenode.rpc-address.mycluster.nn2": c.Addr(),
		})
	t.Setenv("HADOOP_CONF_DIR", dir)
	f := configured(t, `{"user": "tester"}`)
	for _, uri := range []string{"hdfs:///ha/file", "hdfs://mycluster/ha/file"} {
		t.Run(uri, func(t *testing.T) {
			dest := filepath.Join(t.TempDir(), "out")
			if _, err := f.Fetch(context.Background(), fetcher.Request{URI: uri, Dest: dest}, nil); err != nil {
				t.Fatalf("Fetch: %v", err)
			}
			if got, _ := os.ReadFile(dest); string(got) != "through the name service" {
				t.Errorf("dest = %q", got)
			}
		})
	}
}

func TestResolve(t *testing.T) {
	conf := map[string]string{
		"fs.defaultFS":                    "hdfs://prod",
		"dfs.ha.namenodes.prod":           "a,b",
		"dfs.namenode.rpc-address.prod.a": "nn-a:8020",
		"dfs.namenode.rpc-address.prod.b": "nn-b:8020",
		"dfs.ha.namenodes.broken":         "a",
	}
	tests := []struct {
		name    string
		cfg     Config
		uri     string
		want    string
		wantErr error
	}{
		{"host and port", Config{}, "hdfs://nn:9000/x/y", "[nn:9000] /x/y", nil},
		{"host only", Config{}, "hdfs://nn/x", "[nn:8020] /x", nil},
		{"name service", Config{}, "hdfs://prod/x", "[nn-a:8020 nn-b:8020] /x", nil},
		{"default fs", Config{}, "hdfs:///x/../z", "[nn-a:8020 nn-b:8020] /z", nil},
		{"configured namenodes win", Config{Namenodes: []string{"c:1"}}, "hdfs:///x", "[c:1] /x", nil},
		{"name service without address", Config{}, "hdfs://broken/x", "", fetcher.ErrInvalidConfig},
		{"user info", Config{}, "hdfs://u:pw@nn/x", "", fetcher.ErrUnsupported},
		{"unparsable with user info", Config{}, "hdfs://u:pw@nn:port/x", "", fetcher.ErrUnsupported},
		{"wrong scheme", Config{}, "s3://b/x", "", fetcher.ErrUnsupported},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := tt.cfg.resolve(tt.uri, conf)
			if tt.wantErr != nil {
				if !errors.Is(err, tt.wantErr) {
					t.Fatalf("error = %v, want %v", err, tt.wantErr)
				}
				if strings.Contains(err.Error(), "pw") {
					t.Errorf("error leaks the password: %v", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if s := fmt.Sprint(got.namenodes, " ", got.path); s != tt.want {
				t.Errorf("resolve = %s, want %s", s, tt.want)
			}
		})
	}
	if _, err := (Config{}).resolve("hdfs:///x", nil); !errors.Is(err, fetcher.ErrInvalidConfig) {
		t.Errorf("no namenode anywhere: error = %v", err)
	}
}

// TestKerberosLoginUnreachableKDC checks a keytab configuration is used at
// fetch time: with no KDC listening the fetch fails naming the login.
func TestKerberosLoginUnreachableKDC(t *testing.T) {
	dir := t.TempDir()
	krb := filepath.Join(dir, "krb5.conf")
	if err := os.WriteFile(krb, []byte(strings.Replace(krb5Conf, "127.0.0.1:1", hdfstest.UnreachableAddr(t), 1)), 0o644); err != nil {
		t.Fatal(err)
	}
	settings := fmt.Sprintf(`{"kerberos_keytab": %q, "principal": "batchd@EXAMPLE.COM", "krb5_conf": %q, "namenode_principal": "nn/_HOST@EXAMPLE.COM"}`, writeKeytab(t, dir, "batchd"), krb)
	f := configured(t, settings)
	_, err := f.Fetch(context.Background(), fetcher.Request{URI: "hdfs://" + hdfstest.UnreachableAddr(t) + "/x", Dest: filepath.Join(dir, "out")}, nil)
	if !errors.Is(err, fetcher.ErrUnavailable) || !strings.Contains(err.Error(), "kerberos login") {
		t.Fatalf("error = %v, want ErrUnavailable from the kerberos login", err)
	}
}
