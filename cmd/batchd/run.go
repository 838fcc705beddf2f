package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/batchd/batchd/config"
	"github.com/batchd/batchd/core"
	"github.com/batchd/batchd/core/collector"
	"github.com/batchd/batchd/core/jobs"
	mesoscluster "github.com/batchd/batchd/core/mesos"
	"github.com/batchd/batchd/core/sched"
	"github.com/batchd/batchd/core/staging"
	"github.com/batchd/batchd/core/state"
	"github.com/batchd/batchd/internal/metrics"
	"github.com/batchd/batchd/internal/pluginhost"
	"github.com/batchd/batchd/localcluster"
	"github.com/batchd/batchd/plugins/redact"
	"github.com/batchd/batchd/plugins/workload"
)

// loadConfig loads the config and marks its errors as the user's to fix.
func (m *Main) loadConfig() (*config.Config, error) {
	cfg, err := config.Load(m.configPath)
	if err != nil {
		return nil, usagef("%w", err)
	}
	return cfg, nil
}

// optionalConfig loads --config when it was given, else returns nil.
func (m *Main) optionalConfig() (*config.Config, error) {
	if m.configPath == "" {
		return nil, nil
	}
	return m.loadConfig()
}

// pluginDirs returns the folders searched for plugins.
func (m *Main) pluginDirs(cfg *config.Config) []string {
	dirs := append([]string(nil), m.extraDirs...)
	if cfg != nil && len(cfg.Plugins.Dirs) > 0 {
		return append(dirs, cfg.Plugins.Dirs...)
	}
	base, _ := os.Getwd()
	if cfg != nil {
		base = cfg.Dir
	}
	return append(dirs, config.DefaultPluginDirs(m.Exe, base)...)
}

// pluginHost returns a plugin host for cfg's plugin folders, pins and fetcher settings.
func (m *Main) pluginHost(cfg *config.Config) *pluginhost.Host {
	hc := pluginhost.Config{Dirs: m.pluginDirs(cfg), Logger: m.log.With("component", "plugins")}
	if m.metrics != nil {
		hc.OnCall = m.metrics.PluginCall
	}
	if cfg != nil {
		hc.Pins = cfg.Plugins.Pins
		hc.FetcherSettings = map[string]json.RawMessage{}
		for name := range cfg.Fetchers {
			hc.FetcherSettings[name] = cfg.FetcherSettings(name)
		}
	}
	return pluginhost.New(hc)
}

// runJobs runs every job of the config and returns an error if any failed.
// Jobs the state store holds resume where an earlier run stopped.
func (m *Main) runJobs(ctx context.Context) error {
	cfg, err := m.loadConfig()
	if err != nil {
		return err
	}
	if err := cfg.RequireJobs(); err != nil {
		return usagef("%w", err)
	}
	m.metrics = metrics.New()
	// The plugins check the jobs before anything starts (a job whose
	// params or URIs are wrong is the config's fault), and say which
	// artifact names are archives (jobSpec). A plugin that does not work
	// fails only the jobs that use it, when they run.
	plugins := m.pluginHost(cfg)
	m.onClose(func() error { plugins.Close(); return nil })
	if problems, _ := checkJobs(ctx, cfg, plugins, false); len(problems) > 0 {
		return usagef("%w", errors.Join(problems...))
	}
	db, err := state.Open(cfg.State.Dir, state.Options{NoSync: !cfg.State.Sync})
	if err != nil {
		return err
	}
	m.onClose(db.Close)
	if err := removeAPIFile(cfg.State.Dir); err != nil { // left by a killed batchd
		return err
	}

	// An unfinished job whose definition changed is refused before
	// anything starts.
	todo := make([]jobs.Spec, len(cfg.Jobs))
	for i, j := range cfg.Jobs {
		if todo[i], err = jobSpec(ctx, j, plugins); err != nil {
			return err
		}
		todo[i].Fresh = m.fresh
		if err := jobs.Check(db, todo[i]); err != nil {
			if errors.Is(err, jobs.ErrChanged) {
				return usagef("%w", err)
			}
			return err
		}
	}
	meta, err := db.Meta()
	if err != nil {
		return err
	}
	// The embedded cluster works in runs/<time>: what an earlier run left
	// there (a killed batchd's sandboxes and fetch cache) is of no more use
	// — this process holds the store, so no other batchd uses the folder —
	// and this run's goes when batchd closes.
	runs := filepath.Join(cfg.State.Dir, "runs")
	if err := os.RemoveAll(runs); err != nil {
		return fmt.Errorf("removing earlier runs' folders: %w", err)
	}
	runDir := filepath.Join(runs, time.Now().UTC().Format("20060102T150405.000000000"))
	if err := os.MkdirAll(runDir, 0o755); err != nil {
		return fmt.Errorf("creating state folder: %w", err)
	}
	m.onClose(func() error { return os.RemoveAll(runs) }) // after the embedded cluster's Close (closers run last first)

	page, err := newStatusPage(db, m.log)
	if err != nil {
		return err
	}
	store, err := staging.Open(filepath.Join(cfg.State.Dir, "staging"), staging.Options{
		MaxBytes: int64(cfg.State.StagingMax), Logger: m.log.With("component", "staging"),
		OnFetch:  m.metrics.Fetched,
		Progress: page.fetches.observe,
	})
	if err != nil {
		return fmt.Errorf("opening staging store: %w", err)
	}
	m.onClose(store.Close)

	// The runner is created after the collector, which hands it results:
	// it commits them to the store, then sees each one.
	var runner *jobs.Runner
	coll, err := collector.New(collector.Options{
		TokenKey:  meta.TokenKey, // a resumed task's token stays valid
		Committer: commitFunc(func(rs []collector.Result) error { return runner.Commit(rs) }),
		OnResult:  func(r collector.Result) { runner.Result(r) },
		Hold:      true, // until every job has registered the attempts it resumes
		Logger:    m.log.With("component", "collector"),
		OnPost:    m.metrics.Posted,
	})
	if err != nil {
		return fmt.Errorf("starting the collector: %w", err)
	}
	m.onClose(coll.Close)

	srvTLS, err := loadServerTLS(cfg)
	if err != nil {
		return err
	}
	listen, advertise, err := m.serve(ctx, cfg, srvTLS, meta.Listen, db, store, coll, page)
	if err != nil {
		return err
	}
	if err := db.SetServer(listen, coll.TokenKey()); err != nil {
		return err
	}

	master := cfg.Cluster.Master
	if master == "" {
		lc := localcluster.New(localcluster.Config{
			Listen: "127.0.0.1:0", Agents: cfg.Local.Agents, CPUs: cfg.Local.CPUs,
			MemMB: cfg.Local.Mem.MiB(), DiskMB: cfg.Local.Disk.MiB(),
			WorkDir: filepath.Join(runDir, "cluster"), Logger: m.log.With("component", "localcluster"),
			RemoveFinishedSandboxes: true, FetchRootCAs: srvTLS.agentRoots(), Attributes: cfg.Local.Attributes,
		})
		if err := lc.Start(ctx); err != nil {
			return fmt.Errorf("starting the embedded cluster: %w", err)
		}
		m.onClose(lc.Close)
		if m.embedded != nil {
			m.embedded(lc)
		}
		master = lc.URL()
		m.log.Info("embedded cluster started", "master", master, "agents", cfg.Local.Agents)
	}

	engine := mesoscluster.New(mesoscluster.Config{
		Master: master, FrameworkName: cfg.Cluster.Framework, Role: cfg.Cluster.Role,
		Principal: cfg.Cluster.Principal, Secret: string(cfg.Cluster.Secret),
		FailoverTimeout: cfg.Cluster.FailoverTimeout.Std(), Codec: cfg.Cluster.Codec,
		ConnectTimeout: cfg.Cluster.ConnectTimeout.Std(), HeartbeatTimeout: cfg.Cluster.HeartbeatTimeout.Std(),
		Logger: m.log.With("component", "mesos"),
	})
	if meta.FrameworkID != "" {
		// Re-register as the framework an earlier run was: a real master
		// kept its tasks for failover_timeout.
		engine.SetFrameworkID(meta.FrameworkID)
		m.log.Info("re-registering with the stored framework id", "framework_id", meta.FrameworkID)
	}
	// A task posts its result before it exits, so FINISHED rarely beats the
	// result by more than a moment: a short grace finds silent tasks quickly.
	frameworkID := meta.FrameworkID
	scheduler := sched.New(engine, sched.Config{
		ResultGrace: 5 * time.Second, OfferWait: cfg.Cluster.OfferWait.Std(), Logger: m.log.With("component", "sched"),
		Adopting:  true, // until every job has submitted the attempts it resumes
		OnLaunch:  func(key string, n int, l core.Launch) { runner.Launched(key, n, l) },
		OnUpdate:  func(key string, n int, u core.Update) { runner.Updated(key, n, u) },
		OnAbandon: func(taskID string) { runner.Abandoned(taskID) },
		Observer:  m.metrics,
		OnSubscribed: func(id string) {
			if id != frameworkID {
				frameworkID = id
				if err := db.SetFrameworkID(id); err != nil {
					m.log.Warn("keeping the framework id", "err", err)
				}
			}
		},
	})
	prog := newProgress()
	out, stopProgress := m.showProgress(prog)
	defer stopProgress()
	var fed sync.WaitGroup
	fed.Add(len(todo))
	go func() { fed.Wait(); coll.Release(); scheduler.Adopted() }()
	runner = jobs.New(jobs.Config{
		Plugins: plugins, Store: store, Collector: coll, Scheduler: scheduler, State: db,
		Fed:       func(string) { fed.Done() },
		Sandbox:   engine, // reads failed attempts' stderr from their agents
		Advertise: advertise, CollectorCA: string(srvTLS.caPEM), InputDir: filepath.Join(cfg.State.Dir, "inputs"), Out: out, Log: m.log,
		OnTasks: fanOut(taskStates(m.metrics), prog.moved),
	})

	runCtx, cancel := context.WithCancel(ctx)
	defer cancel()
	schedErr := make(chan error, 1)
	go func() { schedErr <- scheduler.Run(runCtx) }()
	var wg sync.WaitGroup
	wg.Add(1)
	go func() { defer wg.Done(); runner.Dispatch(runCtx) }()

	runErrs := make([]error, len(todo))
	jobsDone := make(chan struct{})
	var jwg sync.WaitGroup
	for i, spec := range todo {
		jwg.Add(1)
		go func() {
			defer jwg.Done()
			_, runErrs[i] = runner.Run(runCtx, spec) // returned joined, printed once by Main
		}()
	}
	go func() { jwg.Wait(); close(jobsDone) }()

	select {
	case <-jobsDone:
		stopProgress() // the last counts, before the teardown's logs
	case err := <-schedErr:
		cancel()
		jwg.Wait()
		wg.Wait()
		var merr *mesoscluster.MasterError
		if errors.As(err, &merr) && meta.FrameworkID != "" {
			// The master removed the framework an earlier run was (its
			// failover_timeout passed): its id is of no more use, and its
			// tasks are gone. The next run resumes as a new framework.
			if cerr := db.SetFrameworkID(""); cerr != nil {
				m.log.Warn("forgetting the framework id", "err", cerr)
			}
			return fmt.Errorf("cluster at %s: %w; the stored framework id %s is forgotten: run again to resume the jobs as a new framework (their results are kept; tasks that ran there are run again)",
				master, err, meta.FrameworkID)
		}
		var aerr *mesoscluster.AuthError
		if errors.As(err, &aerr) {
			return fmt.Errorf("cluster at %s: %w; check [cluster] principal and secret_file in %s", master, err, cfg.File)
		}
		return fmt.Errorf("cluster at %s: %w", master, err)
	}

	// Interrupted, batchd leaves the framework registered (its subscription
	// ended with ctx): a real master keeps its tasks for failover_timeout,
	// and the next run resumes as the same framework.
	if ctx.Err() == nil {
		tctx, tcancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer tcancel()
		err := engine.Teardown(tctx)
		if err != nil && !errors.Is(err, context.Canceled) {
			m.log.Warn("teardown", "err", err)
		} else if err := db.SetFrameworkID(""); err != nil { // a torn-down id cannot be reused
			m.log.Warn("forgetting the framework id", "err", err)
		}
	}
	cancel()
	<-schedErr
	wg.Wait()
	return errors.Join(runErrs...)
}

// commitFunc adapts a function to collector.Committer.
type commitFunc func([]collector.Result) error

func (f commitFunc) Commit(rs []collector.Result) error { return f(rs) }

// serve starts the artifact server and collector, over TLS when st is on,
// and returns the address they listen on and the URL base tasks reach
// them at. With the default
// listen address (port 0) it first tries the address an earlier run used,
// so tasks still running can post to this run. It also serves db's state
// API for `batchd results` (resultsapi.go) and the status page, whose URL
// it prints (statuspage.go).
func (m *Main) serve(ctx context.Context, cfg *config.Config, st serverTLS, earlier string, db *state.Store, store *staging.Store, coll *collector.Collector, page *statusPage) (string, string, error) {
	var ln net.Listener
	if _, port, _ := net.SplitHostPort(cfg.Server.Listen); port == "0" && earlier != "" {
		var err error
		if ln, err = net.Listen("tcp", earlier); err != nil {
			m.log.Warn("cannot listen where the earlier run did; tasks still running there cannot post to this run and will be run again",
				"address", earlier, "err", err)
		}
	}
	if ln == nil {
		var err error
		if ln, err = net.Listen("tcp", cfg.Server.Listen); err != nil {
			return "", "", usagef("[server] listen %q: %w", cfg.Server.Listen, err)
		}
	}
	scheme := "http"
	if st.on() {
		ln, scheme = st.listener(ln), "https"
	}
	mux := http.NewServeMux()
	mux.Handle("/artifacts/", store.Handler())
	mux.Handle("/v1/results/", coll.Handler())
	if m.metrics != nil {
		mux.Handle("/metrics", m.metrics.Handler())
	}
	if err := m.serveStateAPI(mux, db, cfg.State.Dir, ln.Addr(), st.pin()); err != nil {
		ln.Close()
		return "", "", err
	}
	switch addr := page.mount(mux, store, scheme, ln.Addr()); {
	case m.quiet:
	case m.logFormat == "json": // every line of stderr a JSON record
		m.log.Info("status page", "url", addr)
	default:
		fmt.Fprintf(m.Stderr, "batchd: status page at %s\n", addr)
	}
	// Every request is read whole within readTimeout (a result post is at
	// most 1 MiB: one sent a byte at a time is cut), idle connections are
	// closed, and each handler bounds its own writing (artifacts by their
	// size, results and the state API below).
	srv := &http.Server{
		Handler: writeDeadline(mux, m.serverTimeout()), ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout: m.serverTimeout(), IdleTimeout: 2 * time.Minute,
		// Into batchd's log, not raw on stderr: a TLS handshake refused
		// (an agent or task that does not trust the certificate) says so.
		ErrorLog: slog.NewLogLogger(m.log.With("component", "server").Handler(), slog.LevelWarn),
	}
	done := make(chan struct{})
	go func() { defer close(done); _ = srv.Serve(ln) }()
	m.onClose(func() error {
		sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		err := srv.Shutdown(sctx)
		<-done
		return err
	})
	advertise := cfg.Server.Advertise
	if advertise == "" {
		advertise = scheme + "://" + ln.Addr().String()
	}
	m.log.Debug("serving artifacts and results", "listen", ln.Addr().String(), "advertise", advertise)
	return ln.Addr().String(), advertise, nil
}

// archiveFormats tells archives by their file names (pluginhost.Host).
type archiveFormats interface {
	ArchiveFormat(ctx context.Context, name string) (format string, ok bool, err error)
}

// jobSpec converts a config job into the runner's spec. An artifact that
// does not set extract is extracted when it is not executable and a
// fetcher plugin extracts its name, whether a built-in or a third-party
// format: the agent decides by the same name (the embedded agents, like
// Mesos, extract only the formats they know and leave others as files).
func jobSpec(ctx context.Context, j config.Job, formats archiveFormats) (jobs.Spec, error) {
	s := jobs.Spec{
		Name: j.Name, Workload: j.Workload, CPUs: j.CPUs, MemMB: j.Mem.MiB(),
		Retries: j.Retries, RetryBackoff: j.RetryBackoff.Std(), Timeout: j.Timeout.Std(), PluginTimeout: j.PluginTimeout.Std(), Params: j.Params,
		Placement: placement(j),
	}
	for _, a := range j.Artifacts {
		extract := a.Extract
		if !a.ExtractSet {
			name := a.OutputFile
			if name == "" {
				name = staging.BaseName(a.URI) // the name the agent gives it
			}
			if !a.Executable {
				_, isArchive, err := formats.ArchiveFormat(ctx, name)
				if err != nil {
					return jobs.Spec{}, fmt.Errorf("job %s: artifact %s: %w", j.Name, redact.URI(a.URI), err)
				}
				extract = isArchive
			}
		}
		s.Artifacts = append(s.Artifacts, workload.Artifact{
			URI: a.URI, Executable: a.Executable, Extract: extract, Cache: a.Cache,
			OutputFile: a.OutputFile, Checksum: a.Checksum, Direct: a.Mode == config.ModeDirect,
			Immutable: a.Immutable,
		})
	}
	s.Output = j.Output
	return s, nil
}

// serverTimeout bounds reading a request to batchd's server, and writing an
// answer other than an artifact (tests shorten it).
func (m *Main) serverTimeout() time.Duration {
	if m.readTimeout > 0 {
		return m.readTimeout
	}
	return 30 * time.Second
}

// writeDeadline gives every answer but an artifact's (whose handler sets
// its own, by size) d to be written.
func writeDeadline(h http.Handler, d time.Duration) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !strings.HasPrefix(r.URL.Path, "/artifacts/") {
			_ = http.NewResponseController(w).SetWriteDeadline(time.Now().Add(d))
		}
		h.ServeHTTP(w, r)
	})
}
