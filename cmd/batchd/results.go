package main

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/batchd/batchd/core/state"
)

// resultSource is where `batchd results` reads jobs and rows from: the
// store itself, or the running batchd that holds it.
type resultSource interface {
	jobs(ctx context.Context) ([]jobInfo, error)
	// rows calls fn with the named job's rows in plan order.
	rows(ctx context.Context, job string, fn func(resultRow) error) error
}

// results prints every task's stored record of the config's jobs (or of
// --job; or of every stored job when the config has none), read from the
// state store, or through the running batchd that holds the store locked.
func (m *Main) results(ctx context.Context) error {
	w, err := newRowWriter(m.format, m.Stdout)
	if err != nil {
		return usagef("%w", err)
	}
	cfg, err := m.loadConfig()
	if err != nil {
		return err
	}
	src, closeSrc, err := m.openResultSource(ctx, cfg.State.Dir)
	if err != nil {
		return err
	}
	defer func() { closeSrc() }()
	stored, err := src.jobs(ctx)
	if err != nil {
		return err
	}
	var names []string
	switch {
	case m.job != "":
		names = []string{m.job}
	case len(cfg.Jobs) == 0: // a config only for its [state] dir: every stored job
		for _, j := range stored {
			names = append(names, j.Name)
		}
	default:
		for _, j := range cfg.Jobs {
			names = append(names, j.Name)
		}
	}
	var todo []jobInfo
	var missing []string
	for _, name := range names {
		i := slices.IndexFunc(stored, func(j jobInfo) bool { return j.Name == name })
		if i < 0 {
			missing = append(missing, name)
			continue
		}
		todo = append(todo, stored[i])
	}
	path := filepath.Join(cfg.State.Dir, state.FileName)
	switch {
	case m.job != "" && len(missing) > 0:
		return usagef("job %q is not in the state store %s; %s", m.job, path, storedNames(stored))
	case len(todo) == 0 && len(names) > 0:
		return fmt.Errorf("none of the jobs of %s (%s) is in the state store %s; %s",
			m.configPath, strings.Join(names, ", "), path, storedNames(stored))
	}
	for _, name := range missing {
		fmt.Fprintf(m.Stderr, "batchd: job %s has not run yet (not in the state store %s)\n", name, path)
	}
	if _, direct := src.(storeSource); direct { // let go of the store before printing (resultsspool.go)
		sp, err := spool(ctx, src, todo)
		if err != nil {
			return err
		}
		closeSrc()
		src, closeSrc = sp, sp.close
	}
	for _, j := range todo {
		if err := w.startJob(j); err != nil {
			return fmt.Errorf("printing results: %w", err)
		}
		if err := src.rows(ctx, j.Name, w.row); err != nil {
			return err
		}
		if err := w.endJob(); err != nil {
			return fmt.Errorf("printing results: %w", err)
		}
	}
	if err := w.flush(); err != nil {
		return fmt.Errorf("printing results: %w", err)
	}
	return nil
}

// storedNames says which jobs the store has.
func storedNames(stored []jobInfo) string {
	if len(stored) == 0 {
		return "it has no jobs"
	}
	names := make([]string, len(stored))
	for i, j := range stored {
		names[i] = j.Name
	}
	return "it has: " + strings.Join(names, ", ")
}

// apiWait bounds how long `batchd results` waits for a batchd that holds
// the store to publish its state API (it does so moments after it starts).
const apiWait = 5 * time.Second

// openResultSource opens the store in dir read-only; while a running
// batchd holds it, it reads through that batchd's state API instead.
func (m *Main) openResultSource(ctx context.Context, dir string) (resultSource, func(), error) {
	path := filepath.Join(dir, state.FileName)
	deadline := time.Now().Add(apiWait)
	for {
		db, err := state.Open(dir, state.Options{ReadOnly: true, LockTimeout: 100 * time.Millisecond}) // only a batchd holds it exclusively
		switch {
		case err == nil:
			m.log.Debug("reading the state store", "path", path)
			return storeSource{db}, func() { db.Close() }, nil
		case errors.Is(err, fs.ErrNotExist):
			return nil, nil, fmt.Errorf("no state store at %s: no job has run with this config", path)
		case !errors.Is(err, state.ErrLocked):
			return nil, nil, err
		}
		// A batchd holds the store: read through it. One that is starting
		// has not published its API yet, and a file left by a killed one
		// names an address or token that no longer answers.
		api, retry, err := dialAPI(ctx, dir)
		if err == nil {
			m.log.Debug("the state store is held by a running batchd: reading through its state API", "path", path, "url", api.base)
			return api, api.close, nil
		}
		if !retry || time.Now().After(deadline) {
			return nil, nil, fmt.Errorf("the state store %s is held by a running batchd, and reading through it failed: %w", path, err)
		}
		select {
		case <-ctx.Done():
			return nil, nil, ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// storePage is how many tasks one read transaction covers: a reader
// never holds a transaction while it writes out rows, which would keep a
// running batchd from growing the file.
const storePage = 1000

// storeSource reads an open store.
type storeSource struct{ db *state.Store }

func (s storeSource) jobs(context.Context) ([]jobInfo, error) {
	stored, err := s.db.Jobs()
	if err != nil {
		return nil, err
	}
	out := make([]jobInfo, len(stored))
	for i, j := range stored {
		out[i] = jobInfo{Name: j.Name, State: j.State, Tasks: j.Tasks}
	}
	return out, nil
}

func (s storeSource) rows(ctx context.Context, job string, fn func(resultRow) error) error {
	var page []resultRow
	for from := uint64(0); ; {
		page = page[:0]
		next, err := s.db.Tasks(job, from, storePage, func(t state.Task) error {
			page = append(page, rowOf(job, t))
			return nil
		})
		if err != nil {
			return err
		}
		for _, r := range page {
			if err := fn(r); err != nil {
				return err
			}
		}
		if len(page) < storePage {
			return nil
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		from = next
	}
}
