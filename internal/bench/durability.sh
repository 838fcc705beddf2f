#!/usr/bin/env bash
# What durability costs, for internal/bench/suite.sh: the SIZE-task sum job
# of throughput.sh, RUNS times each, alternating, with the state store
# fsync'ing every commit ([state] sync = true, the default: each result is
# on disk before the task gets its answer) and without (sync = false).
# Prints the ROW "durability cost SIZE tasks": median walls, s; ratio =
# with / without.
# Usage: internal/bench/durability.sh RUNS SIZE   (needs `make build`)
set -euo pipefail
cd "$(dirname "$0")/../.."
. internal/bench/lib.sh
RUNS=${1:?usage: durability.sh RUNS SIZE}
N=${2:?usage: durability.sh RUNS SIZE}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
sum_input "$work/input" "$N"

# one SYNC RUN: one run of the job; appends its wall to wall-SYNC.
one() {
	local sync=$1 state=$work/state-$2 s e
	sum_config "$work/job.toml" "$state" "$work/input"
	sed -i "s/^\[state\]\$/[state]\nsync = $sync/" "$work/job.toml"
	s=$(now)
	if ! bin/batchd --config "$work/job.toml" >"$work/out" 2>"$work/err"; then
		tail -20 "$work/err" >&2
		return 1
	fi
	e=$(now)
	grep -q "^job bench: $N tasks finished" "$work/out" || { tail -3 "$work/out" "$work/err" >&2; return 1; }
	awk -v s="$s" -v e="$e" 'BEGIN { printf "%.3f\n", e - s }' >>"$work/wall-$sync"
	rm -rf "$state"
}

for run in $(seq "$RUNS"); do
	one true "$run"
	one false "$run"
	echo "durability: $N tasks, run $run: sync $(tail -1 "$work/wall-true") s, no sync $(tail -1 "$work/wall-false") s" >&2
done
row "durability cost $N tasks" "$(median <"$work/wall-true")" "$(median <"$work/wall-false")" s \
	"runs: sync $(tr '\n' ' ' <"$work/wall-true"); no sync $(tr '\n' ' ' <"$work/wall-false")"
