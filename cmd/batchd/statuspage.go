package main

import (
	"crypto/rand"
	"crypto/subtle"
	"embed"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io/fs"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/batchd/batchd/core/staging"
	"github.com/batchd/batchd/core/state"
)

// The status page: batchd serves it at / on its [server] listen address
// and prints its URL at start. The page (web/) is static; its script polls
// GET /v1/status, which summarises the state store (statusdata.go), so it
// shows this run's jobs as they go and past runs' too.
//
// Access: the printed URL carries a token (?token=...), which the page
// trades for a cookie (HttpOnly, SameSite=Strict) and drops from the
// address bar; /v1/status answers only a request with the cookie or the
// token as a bearer token. Whoever reads batchd's stderr may see the page,
// no one else on the network. The page sets no task-controlled text as
// HTML (the script uses textContent) and its Content-Security-Policy
// allows only its own script and style.

//go:embed web
var webFiles embed.FS

// pageCSP allows the page its own files and nothing else.
const pageCSP = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; " +
	"base-uri 'none'; form-action 'none'; frame-ancestors 'none'"

// statusPage serves the page and its data.
type statusPage struct {
	db      *state.Store
	store   *staging.Store
	fetches *fetchLog
	token   string
	cookie  string // the cookie's name, set by mount
	log     *slog.Logger

	mu    sync.Mutex
	ended map[string]jobStatus // jobs that ended, by name: they no longer change

	// The last snapshot, served again until it is older than
	// max(minAge, costFactor × the time it took): any number of open
	// pages cost batchd a bounded share of a core, even over big jobs.
	snapMu   sync.Mutex
	last     statusSnapshot
	lastAt   time.Time
	lastCost time.Duration
}

const (
	minAge     = 500 * time.Millisecond
	costFactor = 4
)

// newStatusPage returns a page over db with a new token; fetches is to be
// the staging store's Options.Progress.
func newStatusPage(db *state.Store, log *slog.Logger) (*statusPage, error) {
	var key [32]byte
	if _, err := rand.Read(key[:]); err != nil {
		return nil, fmt.Errorf("making the status page token: %w", err)
	}
	return &statusPage{
		db: db, fetches: &fetchLog{}, token: hex.EncodeToString(key[:]),
		log: log.With("component", "status-page"), ended: map[string]jobStatus{},
	}, nil
}

// mount adds the page's routes to mux, served at addr over scheme (http or
// https), and returns the page's URL with its token.
func (p *statusPage) mount(mux *http.ServeMux, store *staging.Store, scheme string, addr net.Addr) string {
	p.store = store
	where := dialAddr(addr)
	_, port, _ := net.SplitHostPort(where)
	p.cookie = "batchd_status_" + port // cookies ignore ports: one per batchd on a host
	web, _ := fs.Sub(webFiles, "web")
	mux.HandleFunc("GET /{$}", p.index)
	mux.Handle("GET /web/", headers(http.StripPrefix("/web/", http.FileServerFS(web))))
	mux.HandleFunc("GET /v1/status", p.status)
	return scheme + "://" + where + "/?token=" + p.token
}

// headers sets the page's security headers on h's answers.
func headers(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Security-Policy", pageCSP)
		w.Header().Set("X-Content-Type-Options", "nosniff")
		w.Header().Set("Referrer-Policy", "no-referrer")
		h.ServeHTTP(w, r)
	})
}

// authorized says whether r carries the token: as the cookie or bearer.
func (p *statusPage) authorized(r *http.Request) bool {
	got := ""
	if c, err := r.Cookie(p.cookie); err == nil {
		got = c.Value
	} else if b, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer "); ok {
		got = b
	}
	return subtle.ConstantTimeCompare([]byte(got), []byte(p.token)) == 1
}

// index serves the page. The token in the query becomes a cookie, and
// the browser is sent to / without it (kept out of history and logs).
func (p *statusPage) index(w http.ResponseWriter, r *http.Request) {
	if q := r.URL.Query().Get("token"); q != "" {
		if subtle.ConstantTimeCompare([]byte(q), []byte(p.token)) != 1 {
			p.refuse(w)
			return
		}
		http.SetCookie(w, &http.Cookie{
			Name: p.cookie, Value: p.token, Path: "/", HttpOnly: true, SameSite: http.SameSiteStrictMode,
		})
		w.Header().Set("Referrer-Policy", "no-referrer")
		http.Redirect(w, r, "/", http.StatusSeeOther)
		return
	}
	if !p.authorized(r) {
		p.refuse(w)
		return
	}
	page, err := webFiles.ReadFile("web/index.html")
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	headers(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.Write(page) })).ServeHTTP(w, r)
}

func (p *statusPage) refuse(w http.ResponseWriter) {
	http.Error(w, "batchd's status page needs its token: open the URL batchd printed at start "+
		"(\"batchd: status page at http://...?token=...\")", http.StatusUnauthorized)
}

// status answers the page's poll with a statusSnapshot.
func (p *statusPage) status(w http.ResponseWriter, r *http.Request) {
	if !p.authorized(r) {
		p.refuse(w)
		return
	}
	snap, err := p.cachedSnapshot()
	if err != nil {
		p.log.Error("reading the state store", "err", err)
		http.Error(w, "reading the state store: "+err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("X-Content-Type-Options", "nosniff")
	json.NewEncoder(w).Encode(snap)
}

// cachedSnapshot returns the last snapshot while it is fresh enough,
// else a new one.
func (p *statusPage) cachedSnapshot() (statusSnapshot, error) {
	p.snapMu.Lock()
	defer p.snapMu.Unlock()
	start := time.Now()
	if !p.lastAt.IsZero() && start.Sub(p.lastAt) < max(minAge, costFactor*p.lastCost) {
		return p.last, nil
	}
	snap, err := p.snapshot(start)
	if err != nil {
		return snap, err
	}
	p.last, p.lastAt, p.lastCost = snap, start, time.Since(start)
	return snap, nil
}

// snapshot summarises every stored job at now.
func (p *statusPage) snapshot(now time.Time) (statusSnapshot, error) {
	jobs, err := p.db.Jobs()
	if err != nil {
		return statusSnapshot{}, err
	}
	snap := statusSnapshot{Now: now, Jobs: make([]jobStatus, 0, len(jobs))}
	for _, j := range jobs {
		s, err := p.job(j, now)
		if err != nil {
			return statusSnapshot{}, err
		}
		snap.Jobs = append(snap.Jobs, s)
	}
	return snap, nil
}

// job summarises j, from the cache when it ended.
func (p *statusPage) job(j state.Job, now time.Time) (jobStatus, error) {
	over := j.State == state.JobDone || j.State == state.JobFailed
	p.mu.Lock()
	s, ok := p.ended[j.Name]
	p.mu.Unlock()
	if ok && over && s.Created.Equal(j.Created) && s.Ended.Equal(j.Ended) && s.State == j.State {
		return s, nil
	}
	s, err := jobStatusOf(p.db, j, now)
	if err != nil {
		return s, err
	}
	s.Artifacts, s.ArtifactsTotal = artifactsOf(j.Staged, p.store, p.fetches)
	if over {
		p.mu.Lock()
		p.ended[j.Name] = s
		p.mu.Unlock()
	}
	return s, nil
}
