#!/usr/bin/env bash
# Measures batchd end to end on the embedded cluster: the demo's wall time, and
# the wall time and batchd's peak RSS for an N-task sum job (default 1000).
# Task processes are children of the embedded agents inside batchd, so the
# peak RSS /usr/bin/time reports is batchd's own process (the largest of it
# and its waited-for children); plugin processes are separate.
# Usage: internal/bench/jobs.sh [N] [RUNS]
set -euo pipefail
cd "$(dirname "$0")/../.."
N=${1:-1000}
RUNS=${2:-3}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

groups=$(awk -v n="$N" 'BEGIN { for (i = 0; i < n; i++) printf "%s\"%d %d %d\"", (i ? ", " : ""), i, i+1, i+2 }')
cat > "$work/job.toml" <<TOML
[plugins]
dirs = ["$PWD/bin/plugins"]
[state]
dir = "$work/state"
[local]
agents = 2
[[job]]
name = "bench"
workload = "sum"
cpus = 0.05
mem = "8MiB"
[job.params]
groups = [$groups]
TOML

measure() { # label config
	for i in $(seq "$RUNS"); do
		/usr/bin/time -f "%e %M" -o "$work/time" bin/batchd --config "$2" >"$work/out" 2>"$work/err" || { cat "$work/err" | tail -20; exit 1; }
		tail -1 "$work/out" >&2
		cat "$work/time"
	done | sort -n | awk -v label="$1" '{ t[NR] = $1; m[NR] = $2 } END { mid = int((NR + 1) / 2); printf "%-22s median wall %.2fs  peak RSS %.1f MiB  (runs: %d)\n", label, t[mid], m[mid] / 1024, NR }'
}

printf '[plugins]\ndirs = ["%s/bin/plugins"]\n[state]\ndir = "%s/demo-state"\n' "$PWD" "$work" > "$work/demo.toml"
grep -v '^\[plugins\]\|^dirs' cluster.toml >> "$work/demo.toml"
measure "demo (3 tasks)" "$work/demo.toml"
measure "sum job ($N tasks)" "$work/job.toml"
