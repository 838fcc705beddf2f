package config

import (
	"crypto/tls"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"os"
)

// TLS for batchd's server: [server] tls_cert and tls_key serve the
// collector, the artifact server and the state API over https; tls_ca is
// the certificate authority tasks and agents must trust to reach it when
// the operator's CA is not one their machines already trust.

// TLS reports whether the server is to be served over TLS.
func (s Server) TLS() bool { return s.TLSCert != "" }

// LoadTLS reads the server's certificate and key, and the CA's PEM text
// (nil without tls_ca). Errors name the file at fault.
func (s Server) LoadTLS() (tls.Certificate, []byte, error) {
	cert, err := tls.LoadX509KeyPair(s.TLSCert, s.TLSKey)
	if err != nil {
		return tls.Certificate{}, nil, fmt.Errorf("loading certificate %s and key %s: %w", s.TLSCert, s.TLSKey, err)
	}
	if s.TLSCA == "" {
		return cert, nil, nil
	}
	ca, err := readCA(s.TLSCA)
	if err != nil {
		return tls.Certificate{}, nil, err
	}
	return cert, ca, nil
}

// readCA reads a PEM file holding one or more CA certificates.
func readCA(path string) ([]byte, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("reading CA: %w", err)
	}
	rest, n := data, 0
	for {
		var b *pem.Block
		if b, rest = pem.Decode(rest); b == nil {
			break
		}
		if b.Type != "CERTIFICATE" {
			continue
		}
		if _, err := x509.ParseCertificate(b.Bytes); err != nil {
			return nil, fmt.Errorf("CA %s: certificate %d: %w", path, n+1, err)
		}
		n++
	}
	if n == 0 {
		return nil, fmt.Errorf("CA %s: no PEM certificate in the file", path)
	}
	return data, nil
}

// resolveTLS makes the TLS paths absolute and checks that they load.
func (c *Config) resolveTLS(p *problems) {
	s := &c.Server
	s.TLSCert, s.TLSKey, s.TLSCA = c.abs(s.TLSCert), c.abs(s.TLSKey), c.abs(s.TLSCA)
	switch {
	case s.TLSCert == "" && s.TLSKey == "":
		if s.TLSCA != "" {
			p.add("server.tls_ca", errors.New("needs server.tls_cert and server.tls_key (a CA is for tasks to trust batchd's own certificate)"))
		}
		return
	case s.TLSCert == "":
		p.add("server.tls_key", errors.New("needs server.tls_cert"))
		return
	case s.TLSKey == "":
		p.add("server.tls_cert", errors.New("needs server.tls_key"))
		return
	}
	if _, err := tls.LoadX509KeyPair(s.TLSCert, s.TLSKey); err != nil {
		p.add("server.tls_cert", fmt.Errorf("loading it with key %s: %w", s.TLSKey, err))
	}
	if s.TLSCA != "" {
		if _, err := readCA(s.TLSCA); err != nil {
			p.add("server.tls_ca", err)
		}
	}
}
