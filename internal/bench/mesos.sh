#!/usr/bin/env bash
# Task throughput on real Apache Mesos next to the embedded cluster and a
# plain spawner, in one run. Each run measures, in this order so noise hits
# every row alike:
#   spawn     internal/bench/spawn: the sum task program N times, 20 at a time,
#             each posting its result to a loopback HTTP sink (no framework)
#   embedded  the N-task sum job on the embedded cluster ([local] agents = 1, cpus = 2.0)
#   mesos 1s  the same job on one real Mesos 1.11.1 agent (cpus:2), the master's
#             default --allocation_interval (1 s)
#   mesos 50ms  the same with --allocation_interval=50ms
# The job asks cpus = 0.1 per task (CPUS), so 20 tasks run at a time everywhere
# (the spawner runs 2 / CPUS at a time).
# Prints the median wall time, tasks/s and machine CPU per task of each row
# and its wall ratio to the spawner (1.0 = as fast), then, from the master's
# and agent's logs of the last run of each Mesos row, where a task's time
# goes (internal/bench/mesoslog). Every Mesos run gets a fresh master and
# agent (mesos-up), not counted in the wall time.
#
# Usage: internal/bench/mesos.sh [N] [RUNS]     (default 2000 3)
# Needs the Mesos kit (BATCHD_MESOS_KIT, default ../shared/mesos); without it
# only says so and exits 0. KEEP=1 keeps the work folder (logs; sandboxes
# are removed). CPUS=1.0 runs 2 tasks at a time instead of 20. PROFILE=1
# adds one more 50 ms Mesos run, not counted, under `perf record -a` and
# prints the machine's CPU time by command.
set -euo pipefail
cd "$(dirname "$0")/../.."
. internal/bench/lib.sh
N=${1:-2000}
RUNS=${2:-3}
CPUS=${CPUS:-0.1}
SLOTS=$(awk -v c="$CPUS" 'BEGIN { printf "%d", 2 / c + 1e-9 }')
KIT=${BATCHD_MESOS_KIT:-$PWD/../shared/mesos}
if [ ! -x "$KIT/mesos-up" ]; then
	echo "mesos.sh: no Mesos kit at $KIT (set BATCHD_MESOS_KIT); skipping the real-Mesos bench" >&2
	exit 0
fi
work=$(mktemp -d)
up=""
cleanup() {
	[ -n "$up" ] && "$KIT/mesos-down" "$up" >/dev/null 2>&1 || true
	if [ -n "${KEEP:-}" ]; then echo "mesos.sh: kept $work" >&2; else rm -rf "$work"; fi
}
trap cleanup EXIT

go build -o "$work/spawn" ./internal/bench/spawn
go build -o "$work/mesoslog" ./internal/bench/mesoslog
mapfile -t prog < <(task_program)
groups=$(awk -v n="$N" 'BEGIN { for (i = 0; i < n; i++) printf "%s\"%d %d\"", (i ? ", " : ""), i, i+1 }')

# config FILE STATE [MASTER]: the N-task sum job, on the embedded cluster
# without a master.
config() {
	{
		if [ -n "${3:-}" ]; then
			printf '[cluster]\nmaster = "%s"\n' "$3"
		else
			printf '[local]\nagents = 1\ncpus = 2.0\n'
		fi
		cat <<TOML
[plugins]
dirs = ["$PWD/bin/plugins"]
[state]
dir = "$2"
[[job]]
name = "bench"
workload = "sum"
cpus = $CPUS
mem = "32MiB"
[job.params]
groups = [$groups]
TOML
	} >"$1"
}

# busy: the machine's busy CPU time so far, in clock ticks (all cores).
busy() { awk '/^cpu / { print $2 + $3 + $4 + $7 + $8 + $9 }' /proc/stat; }

# timed LABEL CMD...: runs CMD, appends "LABEL wall cpu_seconds" to results.
timed() {
	local label=$1 s e bs be
	shift
	bs=$(busy)
	s=$(now)
	"$@"
	e=$(now)
	be=$(busy)
	awk -v l="$label" -v s="$s" -v e="$e" -v bs="$bs" -v be="$be" -v hz="$(getconf CLK_TCK)" \
		'BEGIN { printf "%s %.3f %.2f\n", l, e - s, (be - bs) / hz }' | tee -a "$work/results" >&2
}

# batchd CONFIG: runs the job (under the command in wrap, if any) and checks
# every task finished.
wrap=()
batchd() {
	"${wrap[@]}" bin/batchd --config "$1" >"$work/out" 2>"$work/err" || { tail -20 "$work/err" >&2; return 1; }
	grep -q "^job bench: $N tasks finished" "$work/out" || { tail -3 "$work/out" "$work/err" >&2; return 1; }
}

# mesos LABEL RUN [MASTER FLAGS [WRAPPER...]]: the job on a fresh real master
# and agent, batchd run under WRAPPER when given.
# The agent's sandboxes (each holds a copy of the ~9 MB task program: a
# Mesos agent copies from its fetch cache) are collected 10 s after their
# executor exits, so a run needs ~1 GB of disk, not N x 9 MB; its fetch
# cache is its own.
mesos() {
	local label=$1 run=$2 flags=${3:-} dir=$work/mesos-$1
	shift 3 || shift $#
	rm -rf "$dir"
	up=$dir
	eval "$(MESOS_MASTER_FLAGS="$flags" \
		MESOS_AGENT_FLAGS="--resources=cpus:2;mem:4096;disk:20480 --gc_delay=10secs --fetcher_cache_dir=$dir/fetch" \
		"$KIT/mesos-up" "$dir")"
	config "$work/m.toml" "$work/state-$label-$run" "$MESOS_MASTER"
	if (($#)); then
		wrap=("$@")
		batchd "$work/m.toml"
		wrap=()
	else
		timed "$label" batchd "$work/m.toml"
	fi
	"$KIT/mesos-down" "$dir" >/dev/null
	up=""
	"$work/mesoslog" -master "$dir/logs/mesos-master.INFO" -agent "$dir/logs/mesos-agent.INFO" >"$work/timeline-$label"
	rm -rf "$dir/agent" "$dir/fetch" "$dir/kit" "$work/state-$label-$run"
}

echo "$N-task sum job, $SLOTS tasks at a time (cpus = $CPUS per task on 2 cpus), $RUNS runs" >&2
for run in $(seq "$RUNS"); do
	echo "run $run: spawn" >&2
	timed spawn "$work/spawn" -n "$N" -parallel "$SLOTS" "${prog[@]}" >/dev/null
	echo "run $run: embedded" >&2
	config "$work/e.toml" "$work/state-e-$run"
	timed embedded batchd "$work/e.toml"
	rm -rf "$work/state-e-$run"
	echo "run $run: mesos, allocation_interval 1s (default)" >&2
	mesos mesos-1s "$run"
	echo "run $run: mesos, allocation_interval 50ms" >&2
	mesos mesos-50ms "$run" "--allocation_interval=50ms"
done
if [ -n "${PROFILE:-}" ]; then
	echo "profile: one more run, allocation_interval 50ms, under perf" >&2
	mesos profile 0 "--allocation_interval=50ms" perf record -q -a -e cpu-clock -F 499 -o "$work/perf.data" --
fi

echo
echo "$N-task sum job, $SLOTS at a time, median of $RUNS runs ($(nproc) cores; $(date -u +%Y-%m-%d), commit $(git rev-parse --short HEAD))"
awk -v n="$N" '
	{ w[$1] = w[$1] " " $2; c[$1] = c[$1] " " $3 }
	function median(s,   a, k, i, j, t) {
		k = split(s, a, " ")
		for (i = 1; i <= k; i++) for (j = i + 1; j <= k; j++) if (a[j] < a[i]) { t = a[i]; a[i] = a[j]; a[j] = t }
		return a[int((k + 1) / 2)]
	}
	END {
		split("spawn embedded mesos-1s mesos-50ms", order, " ")
		name["spawn"] = "spawn baseline (same task program)"
		name["embedded"] = "batchd, embedded cluster"
		name["mesos-1s"] = "batchd, real Mesos, allocation 1s"
		name["mesos-50ms"] = "batchd, real Mesos, allocation 50ms"
		base = median(w["spawn"])
		printf "%-38s %9s %9s %13s %10s\n", "row", "wall", "tasks/s", "CPU ms/task", "vs spawn"
		for (i = 1; i <= 4; i++) {
			r = order[i]; m = median(w[r]); cpu = median(c[r])
			printf "%-38s %8.2fs %9.1f %13.1f %9.2fx\n", name[r], m, n / m, cpu * 1000 / n, m / base
		}
	}' "$work/results"
echo "(wall: end to end, plugins, planning and staging included; CPU: the whole machine's busy time, all cores; vs spawn: wall / the spawner's wall)"
for label in mesos-1s mesos-50ms; do
	echo
	echo "where the time goes on real Mesos, allocation ${label#mesos-} (last run; master and agent logs):"
	cat "$work/timeline-$label"
done
if [ -n "${PROFILE:-}" ]; then
	echo
	echo "machine CPU by command during one more $N-task run, allocation 50ms (perf, all cores; other users of the machine included):"
	perf report -i "$work/perf.data" --sort comm --stdio 2>/dev/null | awk '!/^#/ && NF && $1 + 0 >= 0.5'
	echo "of which in the dynamic linker (ld.so: loading libmesos in every helper process), by command:"
	perf report -i "$work/perf.data" --sort comm,dso --stdio 2>/dev/null | awk '!/^#/ && /ld-linux/ && $1 + 0 >= 0.5'
fi
