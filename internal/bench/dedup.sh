#!/usr/bin/env bash
# Artifact dedup, for internal/bench/suite.sh: a TASKS-task sum job on the
# embedded cluster whose tasks all get one MIB-MiB artifact ([[job.artifacts]]
# with cache = true, staged by batchd, served to the agents by batchd), served by python3's http.server with
# its access log. Prints two ROW lines:
#   dedup source fetches        GET requests for the artifact the source saw
#                               (a revalidating HEAD is not a fetch)
#   dedup bytes copied into sandboxes
#                               estimated MB written into sandboxes as private
#                               copies, against TASKS x MIB (a copy in each)
# The embedded cluster removes a finished task's sandbox at once, so the
# copies are sampled: while batchd runs, the sandboxes present are scanned
# every 50 ms and each one's artifact counted as a link (link count > 1:
# shared with the agent's fetch cache) or a private copy (link count 1).
# The estimate is copies / sandboxes seen x TASKS x MIB; the note gives the
# counts.
# Usage: internal/bench/dedup.sh [TASKS] [MIB] [CACHE]   (default 1000 100
# true; CACHE=false leaves the artifact out of the agents' fetch cache, to
# see what the cache saves; needs `make build`)
set -euo pipefail
cd "$(dirname "$0")/../.."
. internal/bench/lib.sh
TASKS=${1:-1000}
MIB=${2:-100}
CACHE=${3:-true}
name=dedup-artifact.bin
work=$(mktemp -d)
srv=""
cleanup() { [ -z "$srv" ] || kill "$srv" 2>/dev/null || true; wait 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT

mkdir -p "$work/srv"
head -c "$((MIB << 20))" /dev/urandom >"$work/srv/$name"
port=$(free_port)
python3 -u -m http.server "$port" --bind 127.0.0.1 --directory "$work/srv" >/dev/null 2>"$work/access.log" &
srv=$!
wait_port "$port"

sum_input "$work/input" "$TASKS"
sum_config "$work/job.toml" "$work/state" "$work/input" "http://127.0.0.1:$port/$name" "$CACHE"
bin/batchd --config "$work/job.toml" >"$work/out" 2>"$work/err" &
pid=$!
# Scan until batchd exits: one line per sandbox holding the artifact.
while kill -0 "$pid" 2>/dev/null; do
	find "$work/state" -name "$name" -type f -printf '%n %h\n' 2>/dev/null >>"$work/seen" || true
	sleep 0.05
done
if ! wait "$pid"; then
	tail -20 "$work/err" >&2
	exit 1
fi
grep -q "^job bench: $TASKS tasks finished" "$work/out" || { tail -3 "$work/out" "$work/err" >&2; exit 1; }

gets=$(grep -c "\"GET /$name " "$work/access.log" || true)
heads=$(grep -c "\"HEAD /$name " "$work/access.log" || true)
row "dedup source fetches" "$gets" - GETs "$TASKS tasks, one $MIB MiB artifact, cache = $CACHE; $heads HEAD"
touch "$work/seen"
awk -v tasks="$TASKS" -v mib="$MIB" '
	!($2 in dir) { dir[$2] = $1; seen++ }
	$1 == 1 { copy[$2] = 1 }
	END {
		for (d in copy) copies++
		if (!seen) {
			printf "ROW|dedup bytes copied into sandboxes|n/a (no sandbox seen by the scan)|%.1f|MB|\n", tasks * mib * 1.048576
			exit
		}
		est = copies / seen * tasks * mib
		printf "ROW|dedup bytes copied into sandboxes|%.1f|%.1f|MB|%d sandboxes seen, %d with a private copy\n", est * 1.048576, tasks * mib * 1.048576, seen, copies
	}' "$work/seen"
