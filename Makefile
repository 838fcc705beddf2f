# batchd — build, demo, tests.
GO       ?= go
BIN      := bin
PLUGINS  := $(BIN)/plugins
# Plugins, and the task programs their plans stage from next to them
# (batchd-task-*; plugin discovery ignores those names).
PLUGIN_MAINS := $(notdir $(wildcard cmd/batchd-workload-* cmd/batchd-fetcher-* cmd/batchd-task-*))
# N and RUNS for internal/bench/mesos.sh (2,000 tasks x 3 runs takes about
# 80 minutes on 2 cores; e.g. make bench MESOS_BENCH="500 3").
MESOS_BENCH ?= 2000 3

.PHONY: all build demo demo-hdfs test vet race bench fuzz proto clean

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
	$(GO) vet ./...

race:
	$(GO) test -race -count=1 -timeout 15m ./...

# The README's test command; .ci/run calls exactly this.
test: vet race

bench: build
	internal/bench/jobs.sh 1000 3
	internal/bench/fetch.sh 1024 3
	internal/bench/taskprog.sh 200 3
	internal/bench/mesos.sh $(MESOS_BENCH)
	internal/bench/offers.sh 400 3
	$(GO) test -run '^$$' -bench . -benchtime 3x ./fetchers/... ./core/... ./internal/archive

# Short fuzzing passes over the parsers that take hostile input.
fuzz:
	$(GO) test -run '^$$' -fuzz FuzzParse -fuzztime 20s ./config
	$(GO) test -run '^$$' -fuzz FuzzParseGroup -fuzztime 20s ./workloads/sum/task
	$(GO) test -run '^$$' -fuzz FuzzDecodeReport -fuzztime 20s ./core/collector
	$(GO) test -run '^$$' -fuzz FuzzParseTarget -fuzztime 20s ./fetchers/ftp
	$(GO) test -run '^$$' -fuzz FuzzExtractTar -fuzztime 20s -fuzzminimizetime 10x ./internal/archive
	$(GO) test -run '^$$' -fuzz FuzzExtractZip -fuzztime 20s -fuzzminimizetime 10x ./internal/archive

proto:
	sh plugins/gen.sh

clean:
	rm -rf $(BIN) .batchd
