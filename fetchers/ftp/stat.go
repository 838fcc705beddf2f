package ftpfetch

import (
	"context"
	"crypto/tls"
	"fmt"
	"net"
	"strconv"
	"time"

	"github.com/batchd/batchd/plugins/sdk"
)

// Validators. A file's version is told by what the server says of it:
// its size (SIZE) and modification time (MDTM), "ftp:<size>:<mtime>". Both
// are asked before the transfer and again after it on the same connection;
// a file that changed meanwhile gets no validator. MDTM has a resolution of
// one second, so a second write within the second of the first would leave
// it as it was: a modification time within racyWindow of the check is too
// recent to trust, and so is one in the future (the server's clock is
// ahead). A server without SIZE or MDTM cannot tell versions apart: its
// files get no validator, and batchd fetches them again on every run.
//
// What no validator can see: a file replaced by another of the same size
// whose modification time was set back to the old one (an upload that
// preserves times, MFMT). Use a checksum for such sources.

// racyWindow is how recent a modification time must be not to be trusted:
// MDTM's one-second resolution and a second for the clocks of the server
// and this host to differ.
const racyWindow = 2 * time.Second

var _ sdk.Stater = (*Fetcher)(nil)

// Stat returns the validator of the file req.URI names, built from SIZE
// and MDTM on one new connection ("" when the server lacks either, or the
// file was modified within the last two seconds), and its size (-1 when
// unknown). It makes one attempt: an error worth retrying wraps
// sdk.ErrUnavailable (batchd then fetches, which retries). A missing
// file wraps sdk.ErrNotFound, a refused login sdk.ErrPermission, a
// folder sdk.ErrUnsupported; when ctx ends the error wraps ctx.Err().
// It waits for a free connection like Fetch. req.Validator is not used: FTP
// has no conditional request.
func (f *Fetcher) Stat(ctx context.Context, req sdk.StatRequest) (sdk.StatResult, error) {
	r, release, err := f.acquire(ctx, req.URI)
	if err != nil {
		return sdk.StatResult{}, fmt.Errorf("stat %w", err)
	}
	defer release()
	v, err := r.stat(ctx)
	switch {
	case ctx.Err() != nil:
		return sdk.StatResult{}, fmt.Errorf("stat %s: %w", r.t.redacted, ctx.Err())
	case err != nil && !sdk.IsPermanent(err):
		return sdk.StatResult{}, fmt.Errorf("stat %s: %w: %w", r.t.redacted, sdk.ErrUnavailable, err)
	case err != nil:
		return sdk.StatResult{}, fmt.Errorf("stat %s: %w", r.t.redacted, err)
	}
	return sdk.StatResult{Validator: v.validator(), Size: v.size}, nil
}

// remote is one file on one server and how to reach it.
type remote struct {
	cfg      Config
	tls      *tls.Config
	t        target
	wrapData func(net.Conn) net.Conn // see dialSession
	now      func() time.Time        // see Fetcher
}

// stat logs in and asks for the file's version.
func (r *remote) stat(ctx context.Context) (version, error) {
	s, err := dialSession(ctx, r.cfg, r.tls, r.t, r.wrapData)
	if err != nil {
		return version{}, r.classify(err)
	}
	defer s.close()
	return r.version(s)
}

// version is what the server says of a file at one moment.
type version struct {
	size  int64     // by SIZE, -1 when the server has no SIZE
	mtime time.Time // by MDTM, zero when the server has no MDTM
	asked time.Time // when this host asked
}

// version asks the server for the file's size and modification time. A
// 550 to SIZE is a missing file or a folder; a server that refuses SIZE
// leaves the size unknown. MDTM only serves validators and the resume
// guard (checkPrefix), so any answer to it but a time (a refusal, a 550, a
// form that does not parse) leaves the time unknown rather than fail a
// fetch; only a broken connection is an error.
func (r *remote) version(s *session) (version, error) {
	v := version{size: -1, asked: r.now()}
	n, err := s.sc.FileSize(r.t.path)
	switch code := ftpCode(err); {
	case err == nil:
		v.size = n
	case code == 550:
		return v, r.missing(s, fmt.Errorf("asking its size: %w", err))
	case code == 500 || code == 501 || code == 502 || code == 504:
	default:
		return v, r.classify(&stepError{step: "asking its size", err: err})
	}
	if !s.sc.IsGetTimeSupported() {
		return v, nil
	}
	mt, err := s.sc.GetTime(r.t.path)
	switch {
	case err == nil:
		v.mtime = mt
	case isNetError(err):
		return v, r.classify(&stepError{step: "asking its modification time", err: err})
	}
	return v, nil
}

// validator names the version, or is "" when the server did not say
// enough or the modification time was too recent to trust when asked.
func (v version) validator() string {
	if v.size < 0 || v.mtime.IsZero() || v.asked.Sub(v.mtime) < racyWindow {
		return ""
	}
	return "ftp:" + strconv.FormatInt(v.size, 10) + ":" + v.mtime.UTC().Format(time.RFC3339)
}

// fetchedValidator is the validator of bytes read between before and
// after: "" unless the file was the same version at both moments. The
// racy check is before's, as the read started after it.
func fetchedValidator(before, after version) string {
	if before.size != after.size || !before.mtime.Equal(after.mtime) {
		return ""
	}
	return before.validator()
}
