# batchd — build, demo, tests.
GO       ?= go
BIN      := bin
PLUGINS  := $(BIN)/plugins
# Plugins, and the task programs their plans stage from next to them
# (batchd-task-*; plugin discovery ignores those names).
PLUGIN_MAINS := $(notdir $(wildcard cmd/batchd-workload-* cmd/batchd-fetcher-* cmd/batchd-task-*))
# N and RUNS for internal/bench/mesos.sh (2,000 tasks x 3 runs takes about
# 80 minutes on 2 cores; e.g. make bench-mesos MESOS_BENCH="500 3").
MESOS_BENCH ?= 2000 3
# The Go modules vet, race and bench-once run in: batchd itself and the
# plugin SDK (plugins/, a module of its own that ./... does not reach).
MODULES  := . plugins

.PHONY: all build demo demo-hdfs test vet race examples bench-once bench-smoke bench bench-go bench-parts bench-mesos fuzz fuzz-short proto screenshot clean

all: build

build:
	@mkdir -p $(PLUGINS)
	$(GO) build -o $(BIN)/batchd ./cmd/batchd
	@for p in $(PLUGIN_MAINS); do echo "$(GO) build -o $(PLUGINS)/$$p ./cmd/$$p"; $(GO) build -o $(PLUGINS)/$$p ./cmd/$$p || exit 1; done

# The demo: the sum job on the embedded single-machine cluster.
demo: build
	$(BIN)/batchd --config cluster.toml

# The sum job with its input staged from the in-repo HDFS test server.
demo-hdfs: build
	testdata/demo/hdfs.sh

vet:
	@for m in $(MODULES); do echo "(cd $$m && $(GO) vet ./...)"; (cd $$m && $(GO) vet ./...) || exit 1; done

race:
	@for m in $(MODULES); do echo "(cd $$m && $(GO) test -race -count=1 -timeout 15m ./...)"; (cd $$m && $(GO) test -race -count=1 -timeout 15m ./...) || exit 1; done

# Every Go benchmark once, at its -short size, so none can rot.
bench-once:
	@for m in $(MODULES); do echo "(cd $$m && $(GO) test -bench . -benchtime 1x -short ./...)"; (cd $$m && $(GO) test -run '^$$' -bench . -benchtime 1x -short ./...) || exit 1; done

# The bench suite's every row once at a tiny size (no timing asserted).
bench-smoke: build
	internal/bench/suite.sh --smoke

# The example plugins (examples/*/go.mod), each its own module: vet and
# test each in its folder. Building them and running jobs through them
# end to end is examples/examples_test.go, which race runs.
EXAMPLES := $(patsubst %/go.mod,%,$(wildcard examples/*/go.mod))

examples:
	@for d in $(EXAMPLES); do echo "cd $$d && $(GO) vet ./... && $(GO) test -race ./..."; (cd $$d && $(GO) vet ./... && $(GO) test -race -count=1 ./...) || exit 1; done

# The README's test command; .ci/run calls exactly this.
test: vet race examples bench-once bench-smoke fuzz-short

# The status page screenshot the README shows, taken by the headless
# Chromium test of the page (cmd/batchd/statuspage_browser_test.go).
screenshot:
	$(GO) test -count=1 -run TestStatusPageBrowser ./cmd/batchd -args -screenshot $(CURDIR)/docs/status-page.png

# The bench suite: one table of batchd against its baselines, also written
# to bench/results.md (sizes: see internal/bench/suite.sh; BENCH_QUICK=1
# skips the 100,000-task job).
bench: build
	internal/bench/suite.sh

# The Go micro-benchmarks (fetchers, staging, collector, archive).
bench-go:
	$(GO) test -run '^$$' -bench . -benchtime 3x ./fetchers/... ./core/... ./internal/archive

# Two focused comparisons: the task program's size and start cost against
# the plugin binary's, and the embedded allocator's task throughput against
# a base revision (see each script's header).
bench-parts: build
	internal/bench/taskprog.sh 200 3
	internal/bench/offers.sh 400 3

# Task throughput on real Apache Mesos (long; needs the Mesos kit).
bench-mesos: build
	internal/bench/mesos.sh $(MESOS_BENCH)

# Fuzzing passes over the parsers that take hostile input: every fuzz
# target of both modules (found by .ci/fuzz, which lists each command it
# runs), 20 s each; fuzz-short, 5 s each, is part of make test.
FUZZTIME ?= 20s

fuzz:
	GO=$(GO) .ci/fuzz $(FUZZTIME)

fuzz-short:
	GO=$(GO) .ci/fuzz 5s

proto:
	sh plugins/gen.sh

clean:
	rm -rf $(BIN) .batchd
