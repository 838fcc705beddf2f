#!/usr/bin/env bash
# batchd's bench suite (`make bench`): runs every part below and prints ONE
# markdown table, each row batchd's figure, a baseline measured in the same
# run, their ratio and the target (#6), and writes it to bench/results.md
# with the date, the machine's cores and memory and the commit.
#
# Row protocol. Every part is a script that prints its results on stdout as
#
#   ROW|<row name>|<batchd figure>|<baseline figure>|<unit>[|<note>]
#
# (anything else on stdout is ignored; progress goes to stderr). Figures
# are plain numbers in <unit>; the baseline is "-" when the row has none; a
# figure that could not be measured is "n/a (<why>)", e.g. "n/a (missing:
# internal/bench/extract.sh)". A part alternates batchd and its baseline run
# by run and prints medians. The suite computes ratio = batchd / baseline
# and checks the target internal/bench/table.awk keeps for the row's name;
# for the speed targets (staging, extraction) a time unit ("s") is
# inverted (baseline / batchd), so a part may report seconds or MiB/s.
#
# Parts (each reads its sizes from the environment below):
#   internal/bench/throughput.sh  task throughput, growth, memory
#   internal/bench/gobench.sh     planning, collector (Go benchmarks)
#   internal/bench/fetch.sh       staging http / ftp / hdfs
#   internal/bench/extract.sh     extraction tar.gz / zip
#   internal/bench/dedup.sh       dedup source fetches / bytes copied
#   internal/bench/durability.sh  the state store's fsync cost (sync vs no sync)
# A part whose script is absent prints its rows as "n/a (missing: ...)"; a
# part that exits non-zero adds a row "n/a (failed: ...)".
#
# Environment:
#   BENCH_SIZES       sum job sizes (default "1000 2000 10000 100000")
#   BENCH_QUICK=1     drop sizes above 10,000
#   BENCH_SPAWN_MAX   largest size also run by the spawner baseline (10000)
#   BENCH_RUNS        runs per row, median taken (3)
#   BENCH_THROUGHPUT_RUNS runs per task-throughput size (5: its ratio is the
#                     target the machine's noise moves most)
#   BENCH_STAGING_MIB size of each staging fetch (1024)
#   BENCH_STAGING_RUNS runs per staging row (7: the disk is the noisiest part)
#   BENCH_EXTRACT_MIB size of the extraction tar.gz (1024)
#   BENCH_DEDUP       "TASKS MIB" of the dedup job ("1000 100")
#   BENCH_DURABLE     size of the durability job (2000)
#   BENCH_PARTS       parts to run (default all: "throughput durability gobench fetch extract dedup")
#   BENCH_OUT         results file (bench/results.md; "" for none)
#   BENCH_SMOKE=1 or --smoke: every part once at a tiny size (tens of seconds),
#                     no results file, no targets checked; exits 1 if a part
#                     failed or a row has no figure (a missing part only warns)
#
# Usage: internal/bench/suite.sh [--smoke]   (needs `make build`)
set -euo pipefail
cd "$(dirname "$0")/../.."
. internal/bench/lib.sh
[ "${1:-}" != --smoke ] || BENCH_SMOKE=1
SMOKE=${BENCH_SMOKE:-}
if [ -n "$SMOKE" ]; then
	SIZES=${BENCH_SIZES:-40}
	RUNS=${BENCH_RUNS:-1}
	THROUGHPUT_RUNS=${BENCH_THROUGHPUT_RUNS:-1}
	STAGING_MIB=${BENCH_STAGING_MIB:-8}
	STAGING_RUNS=${BENCH_STAGING_RUNS:-1}
	EXTRACT_MIB=${BENCH_EXTRACT_MIB:-8}
	DEDUP=${BENCH_DEDUP:-20 8}
	DURABLE=${BENCH_DURABLE:-40}
	OUT=${BENCH_OUT-}
	SHORT=-short
else
	SIZES=${BENCH_SIZES:-1000 2000 10000 100000}
	RUNS=${BENCH_RUNS:-3}
	THROUGHPUT_RUNS=${BENCH_THROUGHPUT_RUNS:-5}
	STAGING_MIB=${BENCH_STAGING_MIB:-1024}
	STAGING_RUNS=${BENCH_STAGING_RUNS:-7}
	EXTRACT_MIB=${BENCH_EXTRACT_MIB:-1024}
	DEDUP=${BENCH_DEDUP:-1000 100}
	DURABLE=${BENCH_DURABLE:-2000}
	OUT=${BENCH_OUT-bench/results.md}
	SHORT=
fi
if [ -n "${BENCH_QUICK:-}" ]; then
	SIZES=$(for n in $SIZES; do [ "$n" -gt 10000 ] || echo "$n"; done)
fi
SIZES=$(printf '%s\n' $SIZES | sort -n -u | paste -sd ' ')
PARTS=${BENCH_PARTS:-throughput durability gobench fetch extract dedup}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
: >"$work/rows"

# part NAME SCRIPT ARGS...: runs a part, keeping its ROW lines.
part() {
	local name=$1 script=$2 rc=0
	shift 2
	case " $PARTS " in *" $name "*) ;; *) return 0 ;; esac
	echo "suite: $name: $script $*" >&2
	if [ ! -x "$script" ]; then
		missing "$name" "$script"
		return 0
	fi
	"$script" "$@" >"$work/out" || rc=$?
	if [ "$rc" != 0 ]; then
		grep '^ROW|' "$work/out" >>"$work/rows" || true
		row "$name" "n/a (failed: $script exited $rc)" - "" >>"$work/rows"
	elif ! grep '^ROW|' "$work/out" >>"$work/rows"; then
		row "$name" "n/a (failed: $script printed no ROW lines)" - "" >>"$work/rows"
	fi
}

# missing NAME SCRIPT: the rows of a part whose script is not there yet.
missing() {
	case $1 in
	extract)
		row "extraction tar.gz" "n/a (missing: $2)" - MiB/s >>"$work/rows"
		row "extraction zip" "n/a (missing: $2)" - MiB/s >>"$work/rows"
		;;
	*) row "$1" "n/a (missing: $2)" - "" >>"$work/rows" ;;
	esac
}

read -r dedup_tasks dedup_mib <<<"$DEDUP"
start=$(date -u +%Y-%m-%dT%H:%M:%SZ)
commit=$(git rev-parse --short HEAD)
mine=(.)
[ -z "$OUT" ] || mine+=(":!$OUT")
[ -z "$(git status --porcelain -- "${mine[@]}" 2>/dev/null)" ] || commit="$commit (with uncommitted changes)"
part throughput internal/bench/throughput.sh "$THROUGHPUT_RUNS" $SIZES
part durability internal/bench/durability.sh "$RUNS" "$DURABLE"
part gobench internal/bench/gobench.sh "$RUNS" $SHORT
part fetch internal/bench/fetch.sh "$STAGING_MIB" "$STAGING_RUNS"
part extract internal/bench/extract.sh "$EXTRACT_MIB" "$RUNS" ${SMOKE:+200}
part dedup internal/bench/dedup.sh "$dedup_tasks" "$dedup_mib"

mem=$(awk '/^MemTotal/ { printf "%.1f GiB", $2 / 1048576 }' /proc/meminfo)
{
	echo "# batchd bench results"
	echo
	echo "$start, $(nproc) cores, $mem memory, commit $commit$([ -z "$SMOKE" ] || echo ', SMOKE RUN (tiny sizes, targets not checked)')."
	echo "Sizes: sum jobs of $SIZES tasks; $THROUGHPUT_RUNS runs per size, $RUNS per other row (median, batchd and baseline alternating);"
	echo "staging $STAGING_MIB MiB ($STAGING_RUNS runs); extraction $EXTRACT_MIB MiB; dedup $dedup_tasks tasks x $dedup_mib MiB."
	echo "Ratio = batchd / baseline (for staging and extraction: batchd's speed / the baseline's). \`internal/bench/suite.sh\` and the README's"
	echo "\"Measuring\" explain each row; the machine may be shared, so read ratios, not seconds."
	echo
	awk -F'|' -v smoke="$SMOKE" -f internal/bench/table.awk "$work/rows"
} >"$work/table"
cat "$work/table"
if [ -n "$OUT" ]; then
	mkdir -p "$(dirname "$OUT")"
	cp "$work/table" "$OUT"
	echo "suite: wrote $OUT" >&2
fi
if [ -n "$SMOKE" ]; then
	bad=$(awk -F'|' '$3 !~ /^-?[0-9.]+(e[-+]?[0-9]+)?$/ && $3 !~ /^n\/a \(missing:/' "$work/rows")
	if [ -n "$bad" ]; then
		echo "suite: smoke: rows without a figure:" >&2
		echo "$bad" >&2
		exit 1
	fi
	if grep -q '|n/a (missing:' "$work/rows"; then
		echo "suite: smoke: some parts are missing (see the table); not a failure" >&2
	fi
fi
