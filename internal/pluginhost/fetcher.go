package pluginhost

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/batchd/batchd/plugins/fetcher"
	"github.com/batchd/batchd/plugins/redact"
)

// Fetcher returns the fetcher plugin called name, launched (and configured
// with its FetcherSettings) on first use, and again if it exited. Errors
// from its methods name the plugin; Describe and Configure are bounded by
// CallTimeout, Fetch by ctx. It is also a fetcher.Stater (Stat bounded
// by CallTimeout) and a fetcher.Extractor.
func (h *Host) Fetcher(ctx context.Context, name string) (fetcher.Fetcher, error) {
	inst, err := h.instanceOf(ctx, KindFetcher, name)
	if err != nil {
		return nil, err
	}
	return &hostedFetcher{inst: inst, timeout: h.cfg.CallTimeout, settings: h.cfg.FetcherSettings[name], onCall: h.cfg.OnCall}, nil
}

// FetcherFor returns the fetcher plugin that handles URI scheme (case
// insensitive). It launches only the fetchers it needs to find out, in
// parallel within each step: first the plugin named after the scheme
// (batchd-fetcher-<scheme>), then those whose name begins the scheme
// ("http" for "https"), and only when none of them claims it every other
// fetcher plugin. So a job starts the fetchers its URIs need, and a broken
// or hanging plugin in the folder holds up only the questions it could
// answer. Within a step, when two claim a scheme, the first by folder
// order, then by name, wins. An unclaimed scheme is an error wrapping
// ErrNotFound that lists the schemes the fetchers handle, joined with the
// errors of the fetchers that could not be launched.
func (h *Host) FetcherFor(ctx context.Context, scheme string) (fetcher.Fetcher, error) {
	scheme = strings.ToLower(scheme)
	h.mu.Lock()
	name, ok := h.schemes[scheme]
	h.mu.Unlock()
	if ok {
		return h.Fetcher(ctx, name)
	}
	var all []probed
	for _, tier := range byName(h.fetcherFiles(), scheme) {
		if len(tier) == 0 {
			continue
		}
		ps := h.probe(ctx, tier)
		for _, p := range ps {
			if p.inst != nil && claims(p.inst.finfo.Schemes, scheme) {
				h.mu.Lock()
				h.schemes[scheme] = p.name
				h.mu.Unlock()
				return h.Fetcher(ctx, p.name)
			}
		}
		all = append(all, ps...)
	}
	broken, err := brokenOf(ctx, all)
	if err != nil {
		return nil, err
	}
	err = fmt.Errorf("%w: no fetcher plugin handles URI scheme %q (handled: %s; searched %s)",
		ErrNotFound, scheme, handled(schemesOf(all)), h.searched())
	return nil, errors.Join(append([]error{err}, broken...)...)
}

// claims reports whether list holds s, case insensitive.
func claims(list []string, s string) bool {
	for _, l := range list {
		if strings.EqualFold(l, s) {
			return true
		}
	}
	return false
}

// schemesOf maps each scheme the launched plugins of ps claim to the
// first of them (folder order, then name) claiming it.
func schemesOf(ps []probed) map[string]string {
	sort.SliceStable(ps, func(a, b int) bool {
		if ps[a].dir != ps[b].dir {
			return ps[a].dir < ps[b].dir
		}
		return ps[a].name < ps[b].name
	})
	schemes := map[string]string{}
	for _, p := range ps {
		if p.inst == nil {
			continue
		}
		for _, s := range p.inst.finfo.Schemes {
			if _, taken := schemes[strings.ToLower(s)]; !taken {
				schemes[strings.ToLower(s)] = p.name
			}
		}
	}
	return schemes
}

func handled(schemes map[string]string) string {
	if len(schemes) == 0 {
		return "none"
	}
	var s []string
	for scheme, name := range schemes {
		s = append(s, scheme+" by "+name)
	}
	sort.Strings(s)
	return strings.Join(s, ", ")
}

// hostedFetcher is a fetcher plugin as the Host hands it out.
type hostedFetcher struct {
	inst     *instance
	timeout  time.Duration
	settings json.RawMessage
	onCall   CallFunc
}

var (
	_ fetcher.Fetcher = (*hostedFetcher)(nil)
	_ fetcher.Stater  = (*hostedFetcher)(nil)
)

func (f *hostedFetcher) Describe(ctx context.Context) (fetcher.Info, error) {
	start := time.Now()
	ctx, cancel := context.WithTimeout(ctx, f.timeout)
	defer cancel()
	info, err := f.inst.fetcher.Describe(ctx)
	return info, called(f.onCall, f.inst, "describe", start, f.inst.opErr("describe", err, nil))
}

func (f *hostedFetcher) Configure(ctx context.Context, settings json.RawMessage) error {
	start := time.Now()
	ctx, cancel := context.WithTimeout(ctx, f.timeout)
	defer cancel()
	return called(f.onCall, f.inst, "configure", start, f.inst.opErr("configure", f.inst.fetcher.Configure(ctx, settings), nil))
}

func (f *hostedFetcher) Fetch(ctx context.Context, req fetcher.Request, progress func(fetcher.Progress)) (fetcher.Result, error) {
	start := time.Now()
	res, err := f.inst.fetcher.Fetch(ctx, req, progress)
	return res, called(f.onCall, f.inst, "fetch", start, f.inst.opErr("", err, nil))
}

// Stat asks the plugin, within the call timeout, which version of the
// object req.URI names; a plugin without the capability answers
// ErrNotStater.
func (f *hostedFetcher) Stat(ctx context.Context, req fetcher.StatRequest) (fetcher.StatResult, error) {
	ctx, cancel := context.WithTimeout(ctx, f.timeout)
	defer cancel()
	st, ok := f.inst.fetcher.(fetcher.Stater)
	if !ok {
		return fetcher.StatResult{}, fmt.Errorf("stat %s: %w", redact.URI(req.URI), fetcher.ErrNotStater)
	}
	start := time.Now()
	res, err := st.Stat(ctx, req)
	return res, called(f.onCall, f.inst, "stat", start, f.inst.opErr("", err, nil))
}

// Identity names the plugin and the settings it was configured with
// (plugin name and the SHA-256 of the settings), so that one URI fetched
// with other settings (another FTP user, other HTTP headers) is another
// source. It holds no secret in clear.
func (f *hostedFetcher) Identity() string {
	sum := sha256.Sum256(f.settings)
	return f.inst.name + ":" + hex.EncodeToString(sum[:])
}
