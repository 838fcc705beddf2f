#!/usr/bin/env bash
# Measures what one sum task costs to start: the small task program
# bin/plugins/batchd-task-sum against the old one, the 20 MB plugin binary
# run as "batchd-workload-sum task", in one script and alternating so the
# machine's noise hits both alike. It prints
#   - the two files' sizes;
#   - the wall time of N tasks run by internal/bench/spawn one at a time and
#     20 at a time, each posting its result to spawn's loopback sink
#     (median of RUNS runs);
#   - with perf, the CPU time and page faults of one start, "perf stat -r
#     50" with no collector in the environment, so each run stops right
#     before it would post (median of RUNS);
# and each figure's ratio, new / old.
# Usage: internal/bench/taskprog.sh [N] [RUNS]   (after make build)
set -euo pipefail
cd "$(dirname "$0")/../.."
N=${1:-200}
RUNS=${2:-3}
new=bin/plugins/batchd-task-sum
old=bin/plugins/batchd-workload-sum
for f in "$new" "$old"; do
	[ -x "$f" ] || { echo "taskprog.sh: no $f; run make build first" >&2; exit 1; }
done
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
go build -o "$work/spawn" ./internal/bench/spawn
perf=""
if command -v perf >/dev/null && perf stat -e task-clock true >/dev/null 2>&1; then perf=1; fi

# wall LABEL P PROGRAM ARG...: N tasks P at a time; appends "LABEL wall_ms_per_task".
wall() {
	local label=$1 parallel=$2
	shift 2
	"$work/spawn" -n "$N" -parallel "$parallel" "$@" |
		awk -v l="$label" -v n="$N" '{ sub("s,", "", $8); printf "%s %.3f\n", l, $8 * 1000 / n }' >>"$work/wall"
}
# start LABEL PROGRAM ARG...: appends "LABEL cpu_ms faults" of one start (perf stat -r 50).
start() {
	local label=$1
	shift
	# Without a collector each run exits 1 where it would post, as meant.
	env -u BATCHD_COLLECTOR_URL -u BATCHD_TASK_TOKEN perf stat -x, -o "$work/perf" -r 50 -e task-clock,page-faults "$@" 1 2 >/dev/null 2>&1 || true
	awk -F, -v l="$label" '$3 ~ /^task-clock/ { c = $1 } $3 ~ /^page-faults/ { f = $1 } END { printf "%s %.3f %d\n", l, c, f }' "$work/perf" >>"$work/start"
}

: >"$work/wall"
: >"$work/start"
for run in $(seq "$RUNS"); do
	echo "run $run of $RUNS" >&2
	wall new 1 "$new"
	wall old 1 "$old" task
	wall new20 20 "$new"
	wall old20 20 "$old" task
	if [ -n "$perf" ]; then
		start new "$new"
		start old "$old" task
	fi
done

echo "sum task program: $new vs $old task, median of $RUNS runs ($(nproc) cores)"
awk -v newf="$(stat -c %s "$new")" -v oldf="$(stat -c %s "$old")" -v n="$N" -v wallf="$work/wall" -v startf="$work/start" '
	function median(list,   a, k, i, j, t) {
		k = split(list, a, " ")
		for (i = 1; i <= k; i++) for (j = i + 1; j <= k; j++) if (a[j] < a[i]) { t = a[i]; a[i] = a[j]; a[j] = t }
		return k % 2 ? a[(k + 1) / 2] : (a[k / 2] + a[k / 2 + 1]) / 2
	}
	function row(name, unit, fmt, nv, ov) {
		printf "%-40s " fmt " " fmt "   %6.2fx\n", name (unit == "" ? "" : " (" unit ")"), nv, ov, nv / ov
	}
	BEGIN {
		while ((getline line < wallf) > 0) { split(line, f, " "); w[f[1]] = w[f[1]] " " f[2] }
		while ((getline line < startf) > 0) { split(line, f, " "); c[f[1]] = c[f[1]] " " f[2]; p[f[1]] = p[f[1]] " " f[3] }
		printf "%-40s %10s %10s   %7s\n", "row", "new", "old", "new/old"
		row("file size", "MB", "%10.1f", newf / 1e6, oldf / 1e6)
		row("task run and post, one at a time", "ms", "%10.2f", median(w["new"]), median(w["old"]))
		row("task run and post, 20 at a time", "ms", "%10.2f", median(w["new20"]), median(w["old20"]))
		if (c["new"] != "") {
			row("start to post, CPU", "ms", "%10.2f", median(c["new"]), median(c["old"]))
			row("start to post, page faults", "", "%10d", median(p["new"]), median(p["old"]))
		}
	}'
echo "(run and post: wall time per task of $N tasks started one or 20 at a time by internal/bench/spawn, each POSTing to its loopback sink; start to post: perf stat -r 50 of one run with no collector set, which stops where it would post)"
