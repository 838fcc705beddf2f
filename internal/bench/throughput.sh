#!/usr/bin/env bash
# Task throughput, growth and memory of batchd on the embedded cluster, for
# internal/bench/suite.sh. For each SIZE, RUNS times, alternating so the
# machine's noise hits both alike:
#   spawn   internal/bench/spawn: the sum job's task program SIZE times, 20 at
#           a time, each posting its result to a loopback HTTP sink (only for
#           sizes up to BENCH_SPAWN_MAX, default 10000)
#   batchd  `bin/batchd --config` on a SIZE-task sum job (one group per line of
#           an input file) on [local] agents = 1, cpus = 2.0, job cpus = 0.1:
#           20 at a time; end to end (plugins, planning, staging included),
#           under /usr/bin/time for its peak RSS (the largest of batchd and
#           its waited-for children: the task programs, far smaller)
# Prints ROW lines (suite.sh): per size "task throughput N tasks" (median
# walls, s), "growth N tasks" (batchd's median s per 1,000 tasks against the
# smallest size's) and "memory N tasks" (median peak RSS, MB).
# A batchd run slower than twice its size's median is an outlier: its
# stderr (batchd's INFO and WARN lines; every task's with BENCH_VERBOSE=1,
# which runs batchd with -v) is printed on stderr and, with BENCH_LOGS=DIR,
# kept in DIR, so that a one-off stall leaves evidence.
# Usage: internal/bench/throughput.sh RUNS SIZE...   (needs `make build`)
set -euo pipefail
cd "$(dirname "$0")/../.."
. internal/bench/lib.sh
RUNS=${1:?usage: throughput.sh RUNS SIZE...}
shift
SPAWN_MAX=${BENCH_SPAWN_MAX:-10000}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

go build -o "$work/spawn" ./internal/bench/spawn
mapfile -t prog < <(task_program)
echo "throughput: task program ${prog[*]}" >&2

# batchd N RUN: one run of the N-task job; appends "wall rss_kib" to batchd-N.
batchd() {
	local n=$1 state=$work/state-$2
	sum_config "$work/job.toml" "$state" "$work/input-$n"
	if ! /usr/bin/time -f "%e %M" -o "$work/time" bin/batchd ${BENCH_VERBOSE:+-v} --config "$work/job.toml" >"$work/out" 2>"$work/err-$n-$2"; then
		tail -20 "$work/err-$n-$2" >&2
		return 1
	fi
	grep -q "^job bench: $n tasks finished" "$work/out" || { tail -3 "$work/out" "$work/err-$n-$2" >&2; return 1; }
	cat "$work/time" >>"$work/batchd-$n"
	rm -rf "$state"
}

# spawn N: one spawner run; appends its wall to spawn-N.
spawn() {
	local s e
	s=$(now)
	"$work/spawn" -n "$1" -parallel 20 "${prog[@]}" >/dev/null
	e=$(now)
	awk -v s="$s" -v e="$e" 'BEGIN { printf "%.3f\n", e - s }' >>"$work/spawn-$1"
}

for n in "$@"; do
	sum_input "$work/input-$n" "$n"
	for run in $(seq "$RUNS"); do
		if [ "$n" -le "$SPAWN_MAX" ]; then
			spawn "$n"
			echo "throughput: $n tasks, run $run: spawn $(tail -1 "$work/spawn-$n") s" >&2
		fi
		batchd "$n" "$run"
		echo "throughput: $n tasks, run $run: batchd $(tail -1 "$work/batchd-$n" | awk '{ printf "%s s, %.1f MB", $1, $2 / 1024 }')" >&2
	done
done

# outliers N: shows the log of every run of size N slower than twice the median.
outliers() {
	local n=$1 med run=0 wall
	med=$(awk '{ print $1 }' "$work/batchd-$n" | median)
	while read -r wall _; do
		run=$((run + 1))
		awk -v w="$wall" -v m="$med" 'BEGIN { exit !(w > 2 * m) }' || continue
		echo "throughput: $n tasks, run $run took $wall s, over twice the median $med s; its log:" >&2
		grep -v 'level=DEBUG' "$work/err-$n-$run" | tail -40 >&2 || true
		if [ -n "${BENCH_LOGS:-}" ]; then
			mkdir -p "$BENCH_LOGS"
			cp "$work/err-$n-$run" "$BENCH_LOGS/throughput-$n-run$run.log"
			echo "throughput: kept as $BENCH_LOGS/throughput-$n-run$run.log" >&2
		fi
	done <"$work/batchd-$n"
}
for n in "$@"; do outliers "$n"; done

runs() { tr '\n' ' ' <"$1" | sed 's/ $//'; }
first=""
for n in "$@"; do
	wall=$(awk '{ print $1 }' "$work/batchd-$n" | median)
	if [ -f "$work/spawn-$n" ]; then
		row "task throughput $n tasks" "$wall" "$(median <"$work/spawn-$n")" s \
			"runs: batchd $(awk '{ print $1 }' "$work/batchd-$n" | runs /dev/stdin); spawn $(runs "$work/spawn-$n")"
	fi
done
for n in "$@"; do
	per=$(awk '{ print $1 }' "$work/batchd-$n" | median | awk -v n="$n" '{ printf "%.3f", $1 * 1000 / n }')
	[ -n "$first" ] || first=$per
	row "growth $n tasks" "$per" "$first" "s/1k tasks" "baseline: the first size's s/1k tasks"
done
for n in "$@"; do
	rss=$(awk '{ print $2 / 1024 }' "$work/batchd-$n" | median)
	row "memory $n tasks" "$(printf '%.1f' "$rss")" - MB \
		"runs: $(awk '{ printf "%.1f\n", $2 / 1024 }' "$work/batchd-$n" | runs /dev/stdin)"
done
