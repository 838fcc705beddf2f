package report

import (
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"net/http"
	"os"
	"strings"
	"time"
)

// EnvCollectorCA, when set, holds the certificate authority (one or more
// PEM certificates) that the collector's TLS certificate chains to,
// trusted besides the system's roots: batchd sets it when it serves over
// TLS with [server] tls_ca (a private CA the agents' machines do not
// trust). It is the PEM text itself, so nothing need be installed or
// staged on the agents; a value that is not PEM text is read as the path
// of a PEM file on the task's machine.
const EnvCollectorCA = "BATCHD_COLLECTOR_CA"

// httpClient is the client Post uses: one that trusts EnvCollectorCA's
// certificates as well as the system's, or the default one.
func httpClient(timeout time.Duration) (*http.Client, error) {
	v := os.Getenv(EnvCollectorCA)
	if v == "" {
		return &http.Client{Timeout: timeout}, nil
	}
	pemText := []byte(v)
	if !strings.Contains(v, "-----BEGIN") {
		b, err := os.ReadFile(v)
		if err != nil {
			return nil, fmt.Errorf("report: %s: reading the CA file: %w", EnvCollectorCA, err)
		}
		pemText = b
	}
	pool, err := x509.SystemCertPool()
	if err != nil || pool == nil {
		pool = x509.NewCertPool()
	}
	if !pool.AppendCertsFromPEM(pemText) {
		return nil, fmt.Errorf("report: %s: no PEM certificate in it", EnvCollectorCA)
	}
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.TLSClientConfig = &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}
	return &http.Client{Timeout: timeout, Transport: t}, nil
}
