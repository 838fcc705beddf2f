package main

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/batchd/batchd/core/state"
)

// A running batchd holds its state store locked, so `batchd results`
// reads through it: batchd serves the store read-only under /v1/state/
// (bbolt reads are safe alongside its writes) to whoever presents the
// bearer token it keeps, with its address, in the file apiFileName of the
// state folder (mode 0600: whoever may read the folder may read the state).
//
//	GET /v1/state/jobs                          the stored jobs, a JSON array of jobInfo
//	GET /v1/state/results?job=NAME[&format=jsonl]  the job's rows as JSON lines, in plan order
const apiFileName = "api"

// apiFile is the content of the api file.
type apiFile struct {
	URL   string `json:"url"`
	Token string `json:"token"`
	// CertSHA256 is, over https, the hex SHA-256 of the server's
	// certificate, which the client trusts as is (serverTLS.pin).
	CertSHA256 string `json:"cert_sha256,omitempty"`
}

// serveStateAPI mounts the state API on mux with a new token and publishes
// it in dir's api file, which Close removes. addr is where mux is served,
// over https when pin (the certificate's hash) is set.
func (m *Main) serveStateAPI(mux *http.ServeMux, db *state.Store, dir string, addr net.Addr, pin string) error {
	var key [32]byte
	if _, err := rand.Read(key[:]); err != nil {
		return fmt.Errorf("making the state API token: %w", err)
	}
	api := &stateAPI{db: db, token: hex.EncodeToString(key[:]), log: m.log.With("component", "state-api")}
	mux.Handle("/v1/state/", api.handler())
	f := apiFile{URL: "http://" + dialAddr(addr), Token: api.token}
	if pin != "" {
		f.URL, f.CertSHA256 = "https://"+dialAddr(addr), pin
	}
	raw, err := json.Marshal(f)
	if err != nil {
		return err
	}
	path := filepath.Join(dir, apiFileName)
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, append(raw, '\n'), 0o600); err != nil {
		return fmt.Errorf("publishing the state API: %w", err)
	}
	if err := os.Rename(tmp, path); err != nil {
		os.Remove(tmp)
		return fmt.Errorf("publishing the state API: %w", err)
	}
	m.onClose(func() error { return removeAPIFile(dir) })
	return nil
}

// removeAPIFile removes dir's api file; one left by a killed batchd is
// removed by the next batchd that opens the store.
func removeAPIFile(dir string) error {
	if err := os.Remove(filepath.Join(dir, apiFileName)); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("removing the state API file: %w", err)
	}
	return nil
}

// dialAddr is addr as a client on this machine reaches it: a wildcard
// listen address becomes the loopback address.
func dialAddr(addr net.Addr) string {
	host, port, err := net.SplitHostPort(addr.String())
	if err != nil {
		return addr.String()
	}
	if ip := net.ParseIP(host); ip != nil && ip.IsUnspecified() {
		host = "127.0.0.1"
		if ip.To4() == nil {
			host = "::1"
		}
	}
	return net.JoinHostPort(host, port)
}

// stateAPI serves the store read-only.
type stateAPI struct {
	db    *state.Store
	token string
	log   *slog.Logger
}

func (a *stateAPI) handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /v1/state/jobs", a.jobs)
	mux.HandleFunc("GET /v1/state/results", a.results)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
		if !ok || subtle.ConstantTimeCompare([]byte(got), []byte(a.token)) != 1 {
			http.Error(w, "the state API needs the bearer token of this batchd's api file", http.StatusUnauthorized)
			return
		}
		mux.ServeHTTP(w, r)
	})
}

func (a *stateAPI) jobs(w http.ResponseWriter, r *http.Request) {
	list, err := storeSource{a.db}.jobs(r.Context())
	if err != nil {
		a.log.Error("listing jobs", "err", err)
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	json.NewEncoder(w).Encode(list)
}

func (a *stateAPI) results(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	job := q.Get("job")
	if f := q.Get("format"); f != "" && f != "jsonl" {
		http.Error(w, fmt.Sprintf("format %q: the state API serves jsonl; batchd results formats it", f), http.StatusBadRequest)
		return
	}
	if job == "" {
		http.Error(w, "missing ?job=NAME", http.StatusBadRequest)
		return
	}
	if _, err := a.db.Job(job); errors.Is(err, state.ErrNotFound) {
		list, _ := storeSource{a.db}.jobs(r.Context())
		http.Error(w, fmt.Sprintf("job %q is not in the state store; %s", job, storedNames(list)), http.StatusNotFound)
		return
	} else if err != nil {
		a.log.Error("reading job", "job", job, "err", err)
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/jsonl")
	enc := json.NewEncoder(w)
	if err := (storeSource{a.db}).rows(r.Context(), job, func(row resultRow) error { return enc.Encode(row) }); err != nil {
		// Headers are out: cut the response short so the client sees it
		// end early instead of a complete-looking list.
		a.log.Warn("streaming results", "job", job, "err", err)
		panic(http.ErrAbortHandler)
	}
}

// apiSource reads through a running batchd's state API.
type apiSource struct {
	base   string
	token  string
	client *http.Client
	stored []jobInfo // listed when dialled
}

// dialAPI reads dir's api file and lists the jobs through it. retry says
// whether the failure may pass: the file is missing (batchd is starting),
// or its batchd does not answer or refuses the token (the file is stale).
func dialAPI(ctx context.Context, dir string) (api *apiSource, retry bool, err error) {
	path := filepath.Join(dir, apiFileName)
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, errors.Is(err, fs.ErrNotExist), fmt.Errorf("reading its API file: %w", err)
	}
	var f apiFile
	if err := json.Unmarshal(raw, &f); err != nil || f.URL == "" || f.Token == "" {
		return nil, true, fmt.Errorf("API file %s: want {\"url\": ..., \"token\": ...}", path) // maybe half written
	}
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.ResponseHeaderTimeout = 30 * time.Second
	if f.CertSHA256 != "" {
		tr.TLSClientConfig = pinned(f.CertSHA256)
	}
	api = &apiSource{base: strings.TrimSuffix(f.URL, "/"), token: f.Token, client: &http.Client{Transport: tr}}
	if retry, err := api.listJobs(ctx); err != nil {
		api.close()
		return nil, retry, err
	}
	return api, false, nil
}

// listJobs reads the stored jobs into a.stored.
func (a *apiSource) listJobs(ctx context.Context) (retry bool, err error) {
	body, status, err := a.get(ctx, "/v1/state/jobs")
	if err != nil {
		return true, err
	}
	defer body.Close()
	if status != http.StatusOK {
		return status == http.StatusUnauthorized, a.statusError("/v1/state/jobs", status, body)
	}
	if err := json.NewDecoder(body).Decode(&a.stored); err != nil {
		return false, fmt.Errorf("reading %s/v1/state/jobs: %w", a.base, err)
	}
	return false, nil
}

// close lets go of the connections kept for reuse.
func (a *apiSource) close() { a.client.CloseIdleConnections() }

func (a *apiSource) jobs(context.Context) ([]jobInfo, error) { return a.stored, nil }

func (a *apiSource) rows(ctx context.Context, job string, fn func(resultRow) error) error {
	path := "/v1/state/results?" + url.Values{"job": {job}, "format": {"jsonl"}}.Encode()
	body, status, err := a.get(ctx, path)
	if err != nil {
		return err
	}
	defer body.Close()
	if status != http.StatusOK {
		return a.statusError(path, status, body)
	}
	return decodeRows(body, fmt.Sprintf("the results of job %s from %s", job, a.base), fn)
}

// decodeRows calls fn with each row of a JSON-lines stream; what names
// the stream in errors.
func decodeRows(in io.Reader, what string, fn func(resultRow) error) error {
	dec := json.NewDecoder(in)
	for {
		var r resultRow
		if err := dec.Decode(&r); errors.Is(err, io.EOF) {
			return nil
		} else if err != nil {
			return fmt.Errorf("reading %s: %w", what, err)
		}
		if r.outputText() == "" {
			r.Output = nil // as read from the store
		}
		if err := fn(r); err != nil {
			return err
		}
	}
}

// get sends GET path with the token.
func (a *apiSource) get(ctx context.Context, path string) (io.ReadCloser, int, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, a.base+path, nil)
	if err != nil {
		return nil, 0, fmt.Errorf("state API %s: %w", a.base, err)
	}
	req.Header.Set("Authorization", "Bearer "+a.token)
	resp, err := a.client.Do(req)
	if err != nil {
		return nil, 0, fmt.Errorf("state API: %w", err)
	}
	return resp.Body, resp.StatusCode, nil
}

// statusError reports a refused request with what the server said.
func (a *apiSource) statusError(path string, status int, body io.Reader) error {
	msg, _ := io.ReadAll(io.LimitReader(body, 4096))
	return fmt.Errorf("GET %s%s: %d %s: %s", a.base, path, status, http.StatusText(status), strings.TrimSpace(string(msg)))
}
