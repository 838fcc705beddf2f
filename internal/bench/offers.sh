#!/usr/bin/env bash
# Measures the embedded cluster's task throughput (localcluster's
# BenchmarkTaskThroughput: N tasks running /bin/true, 20 at a time, through a
# minimal framework) at BASE (a git revision, e309d6e by default: offers on a
# 1 s tick) and at the working tree, alternating run by run so the machine's
# noise hits both alike. Prints the median tasks/s of each and the ratio.
# The benchmark and its test helpers are copied into BASE's tree.
# Usage: internal/bench/offers.sh [N] [RUNS] [BASE]
set -euo pipefail
cd "$(dirname "$0")/../.."
N=${1:-400}
RUNS=${2:-3}
BASE=${3:-e309d6e}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

mkdir "$work/base"
git archive "$BASE" | tar -x -C "$work/base"
cp localcluster/throughput_test.go localcluster/harness_test.go localcluster/helpers_test.go "$work/base/localcluster/"
(cd "$work/base" && go test -c -o "$work/base.test" ./localcluster)
go test -c -o "$work/head.test" ./localcluster

# rate BINARY: tasks/s of one benchmark run.
rate() {
	"$1" -test.run '^$' -test.bench '^BenchmarkTaskThroughput$' -test.benchtime "${N}x" |
		awk '/^BenchmarkTaskThroughput/ { for (i = 1; i < NF; i++) if ($(i+1) == "tasks/s") print $i }'
}
median() { sort -n | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'; }
for i in $(seq "$RUNS"); do
	echo "base $(rate "$work/base.test")" >>"$work/rates"
	echo "head $(rate "$work/head.test")" >>"$work/rates"
done
b=$(awk '$1 == "base" { print $2 }' "$work/rates" | median)
h=$(awk '$1 == "head" { print $2 }' "$work/rates" | median)
echo "embedded cluster, $N tasks of /bin/true, 20 at a time, median of $RUNS runs (alternating)"
awk '{ runs[$1] = runs[$1] " " $2 } END { printf "runs (tasks/s): base%s; head%s\n", runs["base"], runs["head"] }' "$work/rates"
awk -v b="$b" -v h="$h" -v base="$BASE" 'BEGIN { printf "%-28s %10.1f tasks/s\n%-28s %10.1f tasks/s\nratio head/base %.1fx\n", "base (" base ")", b, "head (working tree)", h, h / b }'
