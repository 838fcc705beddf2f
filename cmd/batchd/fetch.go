package main

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/batchd/batchd/core"
	"github.com/batchd/batchd/plugins/fetcher"
	"github.com/batchd/batchd/plugins/redact"
)

// fetch copies one URI to a local file through the fetcher plugin for its
// scheme, exactly as staging does, and prints its size, digest and rate.
func (m *Main) fetch(ctx context.Context) error {
	cfg, err := m.optionalConfig()
	if err != nil {
		return err
	}
	uri, dest := m.args[0], m.args[1]
	plugins := m.pluginHost(cfg)
	defer plugins.Close()
	f, err := plugins.FetcherFor(ctx, core.Scheme(uri))
	if err != nil {
		return fmt.Errorf("fetching %s: %w", redact.URI(uri), err)
	}
	start := time.Now()
	res, err := f.Fetch(ctx, fetcher.Request{URI: uri, Dest: dest}, nil)
	if err != nil && strings.Contains(err.Error(), redact.URI(uri)) {
		return err // the fetcher named the URI, as the built-in ones do: once is enough
	} else if err != nil {
		return fmt.Errorf("fetching %s: %w", redact.URI(uri), err)
	}
	d := time.Since(start)
	fmt.Fprintf(m.Stdout, "%s: %d bytes, sha256:%s, %.3fs, %.1f MB/s\n", dest, res.Size, res.SHA256, d.Seconds(), float64(res.Size)/1e6/d.Seconds())
	return nil
}
