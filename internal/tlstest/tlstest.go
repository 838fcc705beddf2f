// Package tlstest makes a private certificate authority and a server
// certificate it signed, for tests of batchd over TLS: the CA as an
// operator's own would be ([server] tls_ca), the server's certificate for
// 127.0.0.1, ::1 and localhost ([server] tls_cert and tls_key), all written
// as PEM files in a test's temporary folder.
package tlstest

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// PKI is a CA and a server certificate it signed.
type PKI struct {
	// CAFile holds the CA's certificate (PEM), CAPEM its text.
	CAFile string
	CAPEM  []byte
	// CertFile holds the server's certificate and KeyFile its private key
	// (PKCS #8), both PEM.
	CertFile, KeyFile string
	// Pool trusts the CA alone.
	Pool *x509.CertPool
}

// New makes a fresh CA and a server certificate valid for an hour.
func New(t testing.TB) PKI {
	t.Helper()
	caKey, caDER := issue(t, &x509.Certificate{
		Subject:               pkix.Name{CommonName: "batchd test CA"},
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageCRLSign,
		BasicConstraintsValid: true,
		IsCA:                  true,
	}, nil, nil)
	ca, err := x509.ParseCertificate(caDER)
	if err != nil {
		t.Fatalf("parsing the CA certificate: %v", err)
	}
	srvKey, srvDER := issue(t, &x509.Certificate{
		Subject:     pkix.Name{CommonName: "batchd test server"},
		KeyUsage:    x509.KeyUsageDigitalSignature,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1), net.IPv6loopback},
		DNSNames:    []string{"localhost"},
	}, ca, caKey)
	keyDER, err := x509.MarshalPKCS8PrivateKey(srvKey)
	if err != nil {
		t.Fatalf("encoding the server key: %v", err)
	}
	dir := t.TempDir()
	p := PKI{
		CAFile: filepath.Join(dir, "ca.pem"), CertFile: filepath.Join(dir, "cert.pem"), KeyFile: filepath.Join(dir, "key.pem"),
		CAPEM: pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: caDER}),
		Pool:  x509.NewCertPool(),
	}
	p.Pool.AddCert(ca)
	write(t, p.CAFile, p.CAPEM, 0o644)
	write(t, p.CertFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: srvDER}), 0o644)
	write(t, p.KeyFile, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: keyDER}), 0o600)
	return p
}

// issue makes a key and a certificate from tmpl, signed by parent's key
// (self-signed when parent is nil).
func issue(t testing.TB, tmpl, parent *x509.Certificate, parentKey *ecdsa.PrivateKey) (*ecdsa.PrivateKey, []byte) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatalf("generating a key: %v", err)
	}
	if tmpl.SerialNumber, err = rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 62)); err != nil {
		t.Fatalf("generating a serial: %v", err)
	}
	tmpl.NotBefore, tmpl.NotAfter = time.Now().Add(-time.Minute), time.Now().Add(time.Hour)
	if parent == nil {
		parent, parentKey = tmpl, key
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, parent, &key.PublicKey, parentKey)
	if err != nil {
		t.Fatalf("creating certificate %s: %v", tmpl.Subject.CommonName, err)
	}
	return key, der
}

func write(t testing.TB, path string, data []byte, mode os.FileMode) {
	t.Helper()
	if err := os.WriteFile(path, data, mode); err != nil {
		t.Fatal(err)
	}
}
