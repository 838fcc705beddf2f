#!/usr/bin/env bash
# The rows internal/bench/suite.sh takes from Go benchmarks, each run with
# -count RUNS and summarised by its median:
#   collector   BenchmarkCollectorDurable in ./core/collector: 20,000 result
#               posts from 32 concurrent clients, each fsync'd before its 2xx
#               (one op = one post, so -benchtime 20000x); its results/s metric
#   planning    BenchmarkPlan in ./cmd/batchd-workload-sum: one op plans
#               100,000 groups (1,000 with -short) both in-process and through
#               the real plugin process over gRPC, alternating; its metrics
#               grpc-s/op and inproc-s/op are the walls per plan.
# A benchmark not found prints its row as "n/a (missing: ...)".
# Usage: internal/bench/gobench.sh RUNS [-short]   (-short: the benchmarks'
# tiny sizes, 200 posts; for the smoke run)
set -euo pipefail
cd "$(dirname "$0")/../.."
. internal/bench/lib.sh
RUNS=${1:?usage: gobench.sh RUNS [-short]}
short=${2:-}
posts=20000
[ -z "$short" ] || posts=200
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# defined NAME DIR...: the package ("./dir") of the first test file under
# DIR... declaring a benchmark whose name starts with NAME (a source search:
# listing with go test would compile every package).
defined() {
	local name=$1 f
	shift
	f=$(grep -rlE --include='*_test.go' "^func $name[A-Za-z0-9_]*\(b \*testing\.B\)" "$@" 2>/dev/null | sort | head -1)
	[ -z "$f" ] || echo "./$(dirname "$f")"
}

# metric FILE BENCH-REGEXP UNIT: the median, over FILE's result lines of the
# benchmarks matching BENCH-REGEXP, of the value reported with UNIT.
metric() {
	awk -v re="$2" -v unit="$3" '$1 ~ re { for (i = 3; i < NF; i++) if ($(i + 1) == unit) print $i }' "$1" | median
}

echo "gobench: collector" >&2
if [ -z "$(defined 'BenchmarkCollectorDurable\b' core/collector)" ]; then
	row "collector" "n/a (missing: BenchmarkCollectorDurable in ./core/collector)" - results/s
else
	go test -run '^$' -bench '^BenchmarkCollectorDurable$' -benchtime "${posts}x" -count "$RUNS" $short ./core/collector >"$work/coll" || { cat "$work/coll" >&2; exit 1; }
	r=$(metric "$work/coll" '^BenchmarkCollectorDurable' results/s)
	row "collector" "${r:-n/a (failed: no results/s metric)}" - results/s "$posts posts from 32 clients, median of $RUNS"
fi

echo "gobench: planning" >&2
go test -run '^$' -bench '^BenchmarkPlan$' -benchtime 1x -count "$RUNS" $short ./cmd/batchd-workload-sum >"$work/plan" || { cat "$work/plan" >&2; exit 1; }
g=$(metric "$work/plan" '^BenchmarkPlan' grpc-s/op)
l=$(metric "$work/plan" '^BenchmarkPlan' inproc-s/op)
row "planning" "${g:-n/a (failed: no grpc-s/op metric)}" "${l:--}" s "./cmd/batchd-workload-sum BenchmarkPlan, median of $RUNS"
