package httpfetch

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"time"
)

// Errors from following redirects; neither is retried.
var (
	errTooManyRedirects = errors.New("too many redirects")
	errRedirectLoop     = errors.New("redirect loop")
	errRedirectScheme   = errors.New("redirect to a non-http URL")
)

// client is an http.Client built from one Config. err is set when the
// Config could not be turned into a client (an unreadable CA file); every
// Fetch then reports it.
type client struct {
	cfg  Config
	http *http.Client
	err  error
}

// withDefaults fills unset timeouts and backoffs from DefaultConfig.
func (c Config) withDefaults() Config {
	d := DefaultConfig()
	for _, p := range []struct{ v, def *time.Duration }{
		{&c.ConnectTimeout, &d.ConnectTimeout},
		{&c.ResponseHeaderTimeout, &d.ResponseHeaderTimeout},
		{&c.IdleTimeout, &d.IdleTimeout},
		{&c.Backoff, &d.Backoff},
		{&c.MaxBackoff, &d.MaxBackoff},
	} {
		if *p.v <= 0 {
			*p.v = *p.def
		}
	}
	if c.MaxBackoff < c.Backoff {
		c.MaxBackoff = c.Backoff
	}
	return c
}

// newClient builds the transport for cfg: bounded connect, TLS handshake
// and response-header waits, no transparent decompression (the bytes on
// disk are the bytes served, and ranges stay meaningful), bounded redirects.
func newClient(cfg Config) *client {
	cfg = cfg.withDefaults()
	c := &client{cfg: cfg}
	tlsCfg := &tls.Config{MinVersion: tls.VersionTLS12}
	if cfg.CAFile != "" {
		pool, err := loadCAs(cfg.CAFile)
		if err != nil {
			c.err = err
			return c
		}
		tlsCfg.RootCAs = pool
	}
	dialer := &net.Dialer{Timeout: cfg.ConnectTimeout, KeepAlive: 30 * time.Second}
	tr := &http.Transport{
		Proxy:                 http.ProxyFromEnvironment,
		DialContext:           dialer.DialContext,
		TLSClientConfig:       tlsCfg,
		TLSHandshakeTimeout:   cfg.ConnectTimeout,
		ResponseHeaderTimeout: cfg.ResponseHeaderTimeout,
		IdleConnTimeout:       90 * time.Second,
		MaxIdleConnsPerHost:   8,
		DisableCompression:    true,
		ForceAttemptHTTP2:     true,
	}
	max := cfg.MaxRedirects
	c.http = &http.Client{
		Transport: tr,
		CheckRedirect: func(req *http.Request, via []*http.Request) error {
			if s := req.URL.Scheme; s != "http" && s != "https" {
				return fmt.Errorf("%w: %s", errRedirectScheme, req.URL.Redacted())
			}
			for _, v := range via {
				if v.URL.String() == req.URL.String() {
					return fmt.Errorf("%w back to %s", errRedirectLoop, req.URL.Redacted())
				}
			}
			if len(via) > max {
				return fmt.Errorf("%w: more than %d", errTooManyRedirects, max)
			}
			return nil
		},
	}
	return c
}

// close releases the client's idle connections.
func (c *client) close() {
	if c.http != nil {
		c.http.CloseIdleConnections()
	}
}

// loadCAs returns the system roots plus the certificates in the PEM file.
func loadCAs(path string) (*x509.CertPool, error) {
	pem, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("reading ca_file: %w", err)
	}
	pool, err := x509.SystemCertPool()
	if err != nil || pool == nil {
		pool = x509.NewCertPool()
	}
	if !pool.AppendCertsFromPEM(pem) {
		return nil, fmt.Errorf("ca_file %s holds no PEM certificates", path)
	}
	return pool, nil
}
