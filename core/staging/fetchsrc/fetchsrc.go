// Package fetchsrc adapts a fetcher plugin to the staging store: the
// staging.Source that fetches a URI through the plugin, asks it whether
// the URI changed (when the plugin is a fetcher.Stater), and names the
// plugin and its settings as the source's identity (when the plugin host
// tells them).
package fetchsrc

import (
	"context"

	"github.com/batchd/batchd/core/staging"
	"github.com/batchd/batchd/plugins/fetcher"
)

// Identifier is implemented by a fetcher that can name itself and its
// settings (the plugin host's fetchers do): two fetches of one URI with
// other settings (another user, other headers) are other sources.
type Identifier interface {
	Identity() string
}

// Of returns the source of uri through f. The caller sets Checksum and
// Immutable. Fetches pass the store's offset on and keep what they wrote
// on failure (the store owns and cleans the destination) so a later fetch
// resumes it.
func Of(f fetcher.Fetcher, uri string) staging.Source {
	src := staging.Source{
		URI: uri,
		Fetch: func(ctx context.Context, t staging.Target) (staging.Fetched, error) {
			res, err := f.Fetch(ctx, fetcher.Request{URI: uri, Dest: t.Dest, Offset: t.Offset, KeepPartial: true},
				func(p fetcher.Progress) { t.Progress(p.Bytes, p.Total) })
			return staging.Fetched{Size: res.Size, SHA256: res.SHA256, Validator: res.Validator}, err
		},
	}
	if id, ok := f.(Identifier); ok {
		src.Identity = id.Identity()
	}
	if st, ok := f.(fetcher.Stater); ok {
		src.Stat = func(ctx context.Context, validator string) (string, error) {
			res, err := st.Stat(ctx, fetcher.StatRequest{URI: uri, Validator: validator})
			return res.Validator, err
		}
	}
	return src
}
