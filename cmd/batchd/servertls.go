package main

import (
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"encoding/hex"
	"errors"
	"fmt"
	"net"

	"github.com/batchd/batchd/config"
)

// serverTLS is what [server] tls_cert, tls_key and tls_ca give batchd's
// server; the zero value serves plain http.
type serverTLS struct {
	cert  *tls.Certificate
	caPEM []byte // tls_ca's text, handed to tasks and the embedded agents; nil without it
}

// loadServerTLS reads cfg's TLS files (Load checked them once already;
// they may have changed since).
func loadServerTLS(cfg *config.Config) (serverTLS, error) {
	if !cfg.Server.TLS() {
		return serverTLS{}, nil
	}
	cert, ca, err := cfg.Server.LoadTLS()
	if err != nil {
		return serverTLS{}, usagef("[server] in %s: %w", cfg.File, err)
	}
	return serverTLS{cert: &cert, caPEM: ca}, nil
}

func (s serverTLS) on() bool { return s.cert != nil }

// listener serves TLS on ln: TLS 1.2 or later, HTTP/1.1.
func (s serverTLS) listener(ln net.Listener) net.Listener {
	return tls.NewListener(ln, &tls.Config{
		Certificates: []tls.Certificate{*s.cert},
		MinVersion:   tls.VersionTLS12,
		NextProtos:   []string{"http/1.1"},
	})
}

// pin is the hex SHA-256 of the server's leaf certificate, which `batchd
// results` trusts as is (the api file is readable by the owner only), so
// it reaches the state API on the loopback address whatever names the
// certificate holds; "" without TLS.
func (s serverTLS) pin() string {
	if !s.on() {
		return ""
	}
	sum := sha256.Sum256(s.cert.Certificate[0])
	return hex.EncodeToString(sum[:])
}

// agentRoots is the pool the embedded cluster's agents trust when they
// fetch artifacts: the system's roots and tls_ca; nil (the system's
// roots) without tls_ca.
func (s serverTLS) agentRoots() *x509.CertPool {
	if s.caPEM == nil {
		return nil
	}
	pool, err := x509.SystemCertPool()
	if err != nil || pool == nil {
		pool = x509.NewCertPool()
	}
	pool.AppendCertsFromPEM(s.caPEM)
	return pool
}

// pinned is a TLS client configuration that trusts exactly the server
// certificate whose hex SHA-256 is pin, whatever its names and issuer.
func pinned(pin string) *tls.Config {
	return &tls.Config{
		MinVersion: tls.VersionTLS12,
		// The chain is not verified against roots: the pin, read from a
		// file only the owner can read, says which certificate is batchd's.
		InsecureSkipVerify: true,
		VerifyConnection: func(cs tls.ConnectionState) error {
			if len(cs.PeerCertificates) == 0 {
				return errors.New("the state API showed no certificate")
			}
			sum := sha256.Sum256(cs.PeerCertificates[0].Raw)
			if hex.EncodeToString(sum[:]) != pin {
				return fmt.Errorf("the state API's certificate is not the one in the api file (sha256 %s)", pin)
			}
			return nil
		},
	}
}
