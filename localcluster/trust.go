package localcluster

import (
	"crypto/tls"
	"net/http"
)

// fetchClient is the HTTP client of the agents' fetchers: nil (the
// fetcher's default) unless FetchRootCAs replaces the trusted roots.
func (cfg Config) fetchClient() *http.Client {
	if cfg.FetchRootCAs == nil {
		return nil
	}
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.TLSClientConfig = &tls.Config{RootCAs: cfg.FetchRootCAs, MinVersion: tls.VersionTLS12}
	return &http.Client{Transport: t}
}
