package pluginhost

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"time"

	"github.com/batchd/batchd/plugins/fetcher"
)

// ExtractorFor returns the fetcher plugin that extracts archives of format
// ("tar.gz", "tgz", "zip"...; case insensitive, a leading dot allowed), as
// listed in the Formats of the fetchers' Describe. The first time, it
// launches every fetcher plugin, in parallel, to learn their formats; a
// plugin that fails to start is not tried again. When two claim a
// format, the first by folder order, then by name, wins. An unclaimed
// format is an error wrapping ErrNotFound. The Extractor's errors name the
// plugin; Extract is bounded by ctx only.
func (h *Host) ExtractorFor(ctx context.Context, format string) (fetcher.Extractor, error) {
	format = strings.TrimPrefix(strings.ToLower(format), ".")
	formats, broken, err := h.formatMap(ctx)
	if err != nil {
		return nil, err
	}
	name, ok := formats[format]
	if !ok {
		err := fmt.Errorf("%w: no fetcher plugin extracts archive format %q (handled: %s; searched %s)",
			ErrNotFound, format, handled(formats), h.searched())
		return nil, errors.Join(append([]error{err}, broken...)...)
	}
	inst, err := h.instanceOf(ctx, KindFetcher, name)
	if err != nil {
		return nil, err
	}
	return &hostedExtractor{inst: inst, onCall: h.cfg.OnCall}, nil
}

// ArchiveFormat returns the archive format of a file by its name, as the
// fetcher plugins declare them in Info.Formats: the longest of their formats
// the name ends with after a dot, case insensitive ("x.tar.gz" is "tar.gz"
// when a plugin extracts that, "gz" otherwise). ok is false when no plugin
// extracts such a name: it is no archive to batchd. A bare format name
// ("zip") is no archive either. The first time, it launches every fetcher
// plugin, as ExtractorFor does. A plugin that could not be launched cannot
// claim a format: when no working plugin claims the name, it is no archive,
// with a warning naming the plugins that did not answer (a broken plugin
// fails only the jobs that need it, not every job with an input file).
func (h *Host) ArchiveFormat(ctx context.Context, name string) (format string, ok bool, err error) {
	formats, broken, err := h.formatMap(ctx)
	if err != nil {
		return "", false, err
	}
	if format, ok = longestSuffix(formats, name); !ok && len(broken) > 0 {
		h.log.Warn("taking the file for no archive: no working fetcher plugin extracts it, and some could not be launched",
			"file", filepath.Base(name), "err", errors.Join(broken...))
	}
	return format, ok, nil
}

// longestSuffix returns the longest format name ends with after a dot.
func longestSuffix(formats map[string]string, name string) (string, bool) {
	n := strings.ToLower(filepath.Base(name))
	best := ""
	for fm := range formats {
		if len(fm) > len(best) && strings.HasSuffix(n, "."+fm) {
			best = fm
		}
	}
	return best, best != ""
}

// formatMap returns format -> fetcher name from the fetchers' Describe, and
// the errors of fetchers that could not be launched. It is cached only
// when every fetcher answered.
func (h *Host) formatMap(ctx context.Context) (formats map[string]string, broken []error, err error) {
	h.mu.Lock()
	cached := h.formats
	h.mu.Unlock()
	if cached != nil {
		return cached, nil, nil
	}
	ps := h.probe(ctx, h.fetcherFiles())
	if broken, err = brokenOf(ctx, ps); err != nil {
		return nil, nil, err
	}
	formats = map[string]string{}
	for _, p := range ps {
		if p.inst == nil {
			h.log.Warn("fetcher plugin unusable", "plugin", p.name, "error", p.err)
			continue
		}
		for _, fm := range p.inst.finfo.Formats {
			fm = strings.TrimPrefix(strings.ToLower(fm), ".")
			if _, taken := formats[fm]; !taken {
				formats[fm] = p.name
			}
		}
	}
	if len(broken) == 0 {
		h.mu.Lock()
		h.formats = formats
		h.mu.Unlock()
	}
	return formats, broken, nil
}

// hostedExtractor is a fetcher plugin's Extractor as the Host hands it out.
type hostedExtractor struct {
	inst   *instance
	onCall CallFunc
}

var _ fetcher.Extractor = (*hostedExtractor)(nil)

func (x *hostedExtractor) Extract(ctx context.Context, req fetcher.ExtractRequest) (fetcher.ExtractResult, error) {
	ex, ok := x.inst.fetcher.(fetcher.Extractor)
	if !ok {
		return fetcher.ExtractResult{}, x.inst.opErr("extract", fetcher.ErrNotExtractor, nil)
	}
	name := req.Name
	if name == "" {
		name = filepath.Base(req.Archive)
	}
	op := "check " + name
	if req.Dest != "" {
		op = "extract " + name
	}
	start := time.Now()
	res, err := ex.Extract(ctx, req)
	return res, called(x.onCall, x.inst, "extract", start, x.inst.opErr(op, err, nil))
}

// Extract makes a fetcher from Fetcher or FetcherFor usable as a
// fetcher.Extractor too, found with a type assertion as for any plugin;
// a plugin without the capability answers ErrNotExtractor.
func (f *hostedFetcher) Extract(ctx context.Context, req fetcher.ExtractRequest) (fetcher.ExtractResult, error) {
	return (&hostedExtractor{inst: f.inst, onCall: f.onCall}).Extract(ctx, req)
}

var _ fetcher.Extractor = (*hostedFetcher)(nil)
