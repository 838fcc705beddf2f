package config

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/batchd/batchd/internal/tlstest"
)

func TestServerTLS(t *testing.T) {
	dir := t.TempDir()
	pki, other := tlstest.New(t), tlstest.New(t)
	copyTo := func(src, name string) {
		t.Helper()
		b, err := os.ReadFile(src)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, name), b, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	copyTo(pki.CertFile, "cert.pem")
	copyTo(pki.KeyFile, "key.pem")
	copyTo(pki.CAFile, "ca.pem")
	copyTo(other.KeyFile, "other-key.pem")
	if err := os.WriteFile(filepath.Join(dir, "junk.pem"), []byte("not a certificate\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	const both = "[server]\ntls_cert = \"cert.pem\"\ntls_key = \"key.pem\"\n"
	tests := []struct {
		name    string
		toml    string
		wantErr string // substring; "" means success
	}{
		{"cert, key and CA", both + "tls_ca = \"ca.pem\"\n", ""},
		{"cert and key", both, ""},
		{"https advertise", both + "advertise = \"https://batchd.example.com:8443\"\n", ""},
		{"cert without key", "[server]\ntls_cert = \"cert.pem\"\n", "cluster.toml:2:1: server.tls_cert: needs server.tls_key"},
		{"key without cert", "[server]\ntls_key = \"key.pem\"\n", "cluster.toml:2:1: server.tls_key: needs server.tls_cert"},
		{"CA without cert", "[server]\ntls_ca = \"ca.pem\"\n", "cluster.toml:2:1: server.tls_ca: needs server.tls_cert and server.tls_key"},
		{"missing cert", "[server]\ntls_cert = \"nope.pem\"\ntls_key = \"key.pem\"\n",
			"cluster.toml:2:1: server.tls_cert: loading it with key " + filepath.Join(dir, "key.pem") + ": open " + filepath.Join(dir, "nope.pem")},
		{"key of another certificate", "[server]\ntls_cert = \"cert.pem\"\ntls_key = \"other-key.pem\"\n",
			"cluster.toml:2:1: server.tls_cert: loading it with key " + filepath.Join(dir, "other-key.pem") + ": tls: private key does not match public key"},
		{"key not PEM", "[server]\ntls_cert = \"cert.pem\"\ntls_key = \"junk.pem\"\n", "cluster.toml:2:1: server.tls_cert: loading it with key"},
		{"CA not PEM", both + "tls_ca = \"junk.pem\"\n", "cluster.toml:4:1: server.tls_ca: CA " + filepath.Join(dir, "junk.pem") + ": no PEM certificate in the file"},
		{"CA is a key", both + "tls_ca = \"key.pem\"\n", "cluster.toml:4:1: server.tls_ca: CA " + filepath.Join(dir, "key.pem") + ": no PEM certificate"},
		{"missing CA", both + "tls_ca = \"nope.pem\"\n", "cluster.toml:4:1: server.tls_ca: reading CA: open " + filepath.Join(dir, "nope.pem")},
		{"http advertise", both + "advertise = \"http://batchd.example.com:8080\"\n",
			"cluster.toml:4:1: server.advertise: must be an https:// URL when server.tls_cert is set"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c, err := Parse(filepath.Join(dir, "cluster.toml"), []byte(tc.toml))
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("Parse error = %v, want it to contain %q", err, tc.wantErr)
				}
				if strings.Contains(err.Error(), "PRIVATE KEY") {
					t.Errorf("error shows a key: %v", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !c.Server.TLS() || !filepath.IsAbs(c.Server.TLSCert) || !filepath.IsAbs(c.Server.TLSKey) {
				t.Errorf("server = %+v: want TLS with absolute paths", c.Server)
			}
			cert, ca, err := c.Server.LoadTLS()
			if err != nil {
				t.Fatalf("LoadTLS: %v", err)
			}
			if len(cert.Certificate) == 0 {
				t.Error("LoadTLS gave no certificate")
			}
			if wantCA := c.Server.TLSCA != ""; wantCA != bytes.Equal(ca, pki.CAPEM) {
				t.Errorf("CA = %q, want the CA file's text: %v", ca, wantCA)
			}
			if !strings.Contains(c.Redacted(), "TLS with "+c.Server.TLSCert) {
				t.Errorf("Redacted() does not say TLS:\n%s", c.Redacted())
			}
		})
	}
}
