package pluginhost

import (
	"context"
	"errors"
	"sort"
	"strings"
	"sync"
)

// probed is what launching one fetcher plugin to learn what it handles
// gave: its instance, or why it could not be used.
type probed struct {
	found
	inst *instance
	err  error
}

// probe launches the fetcher plugins fs in parallel, each bounded by the
// start and call timeouts, and returns what each gave, in the order of fs.
// A plugin that failed to start (not a plugin, a hang before its
// handshake, a checksum mismatch) is not launched again by this Host (see
// slot), so later probes get its error at once.
func (h *Host) probe(ctx context.Context, fs []found) []probed {
	out := make([]probed, len(fs))
	var wg sync.WaitGroup
	for i, f := range fs {
		out[i].found = f
		wg.Add(1)
		go func() {
			defer wg.Done()
			out[i].inst, out[i].err = h.instanceOf(ctx, KindFetcher, f.name)
		}()
	}
	wg.Wait()
	return out
}

// fetcherFiles returns the fetcher plugins in the order their claims
// count: by folder, then by name.
func (h *Host) fetcherFiles() []found {
	fs := h.scan(KindFetcher)
	sort.SliceStable(fs, func(a, b int) bool { return fs[a].dir < fs[b].dir })
	return fs
}

// byName splits fetcher plugins into the tiers FetcherFor launches them
// in for scheme: the plugin named scheme; those whose name begins scheme
// ("http" for "https", "ftp" for "ftps"); then all the others. Each tier
// keeps the order of fs.
func byName(fs []found, scheme string) [3][]found {
	var tiers [3][]found
	for _, f := range fs {
		switch n := strings.ToLower(f.name); {
		case n == scheme:
			tiers[0] = append(tiers[0], f)
		case strings.HasPrefix(scheme, n):
			tiers[1] = append(tiers[1], f)
		default:
			tiers[2] = append(tiers[2], f)
		}
	}
	return tiers
}

// broken returns the errors of the plugins of ps that could not be used.
// It returns ctx's error (or ErrClosed) instead when that is why.
func brokenOf(ctx context.Context, ps []probed) ([]error, error) {
	var broken []error
	for _, p := range ps {
		if p.err == nil {
			continue
		}
		if ctx.Err() != nil || errors.Is(p.err, ErrClosed) {
			return nil, p.err
		}
		broken = append(broken, p.err)
	}
	return broken, nil
}
