// Package ftpfetch is batchd's fetcher for ftp and ftps URIs
// (ftp://[user[:password]@]host[:port]/path), built on jlaffaye/ftp.
//
// ftps means explicit TLS: AUTH TLS on the control connection, then PBSZ 0
// and PROT P so the data connections are encrypted too. Transfers are
// binary and passive (EPSV, falling back to PASV, or PASV only with
// disable_epsv). Every read and write on either connection has its own
// deadline (timeout), so a server that stops answering fails the attempt
// instead of hanging it. An attempt that fails for a reason worth retrying
// (a dropped or timed-out connection, an FTP 4xx answer) is retried with
// backoff, and the new session continues with REST where the file on disk
// stops, hashing only the new bytes. Each concurrent fetch (or Stat) holds
// one connection; max_connections bounds how many run at once. Fetch and
// Stat report validators built from SIZE and MDTM (stat.go), so batchd
// reuses a staged copy only while the file is unchanged.
//
// Credentials: a user in the URI wins over the configured user, and a
// password in the URI wins over the configured one (password_file or
// password_env), which is only sent for the configured user. Passwords
// are never logged and never appear in errors: URIs are shown redacted.
package ftpfetch

import (
	"context"
	"crypto/tls"
	"encoding/json"
	"fmt"
	"net"
	"sync/atomic"
	"time"

	"github.com/batchd/batchd/plugins/sdk"
)

// Version is the fetcher's version, reported by Describe.
const Version = "0.1.0"

// Fetcher downloads ftp and ftps URIs. It is safe for concurrent use.
type Fetcher struct {
	base  Config
	state atomic.Pointer[state]

	// wrapData wraps data connections; tests set it to cut them.
	wrapData func(net.Conn) net.Conn
	// now is the clock modification times are judged by (stat.go).
	now func() time.Time
}

// state is one configuration in force: its settings, TLS base and the
// semaphore bounding concurrent fetches.
type state struct {
	cfg Config
	tls *tls.Config
	sem chan struct{}
	err error
}

var _ sdk.Fetcher = (*Fetcher)(nil)

// New returns a fetcher using cfg. Zero durations and a zero
// MaxConnections take their values from DefaultConfig; Retries is used as
// given. The password is cfg.Password (Configure reads password_file or
// password_env into it).
func New(cfg Config) *Fetcher {
	f := &Fetcher{base: cfg, now: time.Now}
	f.state.Store(newState(cfg))
	return f
}

func newState(cfg Config) *state {
	cfg = cfg.withDefaults()
	tc, err := tlsConfig(cfg)
	return &state{cfg: cfg, tls: tc, sem: make(chan struct{}, cfg.MaxConnections), err: err}
}

// Describe reports the fetcher's name, version and schemes.
func (f *Fetcher) Describe(ctx context.Context) (sdk.FetcherInfo, error) {
	if err := ctx.Err(); err != nil {
		return sdk.FetcherInfo{}, err
	}
	return sdk.FetcherInfo{Name: "ftp", Version: Version, Schemes: []string{"ftp", "ftps"}}, nil
}

// Configure overlays settings (a JSON object; see Config for the keys) on
// the Config given to New and reads the password. An unknown key or a bad
// value is an error wrapping sdk.ErrInvalidConfig naming the key; the
// previous settings then stay in force.
func (f *Fetcher) Configure(ctx context.Context, settings json.RawMessage) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	cfg, err := f.base.applyJSON(settings)
	if err != nil {
		return err
	}
	st := newState(cfg)
	if st.err != nil {
		return fmt.Errorf("configuring ftp fetcher: %w: %w", sdk.ErrInvalidConfig, st.err)
	}
	f.state.Store(st)
	return nil
}

// acquire parses uri with the settings in force and waits for a free
// connection, which release gives back. Its errors name the URI.
func (f *Fetcher) acquire(ctx context.Context, uri string) (r remote, release func(), err error) {
	st := f.state.Load()
	t, err := parseTarget(uri, st.cfg)
	if err != nil {
		return remote{}, nil, err
	}
	if st.err != nil {
		return remote{}, nil, fmt.Errorf("%s: %w: %w", t.redacted, sdk.ErrInvalidConfig, st.err)
	}
	select {
	case st.sem <- struct{}{}:
	case <-ctx.Done():
		return remote{}, nil, fmt.Errorf("%s: waiting for a free connection: %w", t.redacted, ctx.Err())
	}
	return remote{cfg: st.cfg, tls: st.tls, t: t, wrapData: f.wrapData, now: f.now}, func() { <-st.sem }, nil
}

// Fetch downloads req.URI to req.Dest. A missing file (FTP 550) is an
// error wrapping sdk.ErrNotFound; a refused login (530) wraps
// sdk.ErrPermission and names the user and host; a folder wraps
// sdk.ErrUnsupported; when the retries are spent the error wraps
// sdk.ErrUnavailable. Cancelling ctx closes the connections at once
// and the error wraps ctx.Err(). On any error req.Dest is removed, unless
// req.KeepPartial asks to keep the prefix written for a later resume.
//
// With req.Offset > 0 it resumes: it hashes the first Offset bytes already
// in req.Dest and retrieves the rest with REST Offset, starting over from
// byte 0 when the server refuses REST or SIZE says the file is shorter
// than Offset. The result covers the whole file, prefix included.
//
// The result's Validator is the file's SIZE and MDTM (see stat.go), asked
// before the transfer and checked again after it; it is "" when the file
// changed meanwhile, the server lacks either command, the modification
// time is too recent to trust, or the fetch resumed an earlier one's bytes.
func (f *Fetcher) Fetch(ctx context.Context, req sdk.FetchRequest, progress func(sdk.Progress)) (sdk.FetchResult, error) {
	r, release, err := f.acquire(ctx, req.URI)
	if err != nil {
		return sdk.FetchResult{}, fmt.Errorf("fetching %w", err)
	}
	defer release()
	dest, err := sdk.OpenDest(req, progress)
	if err != nil {
		return sdk.FetchResult{}, fmt.Errorf("fetching %s: %w", r.t.redacted, err)
	}
	defer dest.Abort()
	d := &download{remote: r, dest: dest}
	return d.run(ctx)
}
