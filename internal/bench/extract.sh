#!/usr/bin/env bash
# Measures extraction through batchd's archive path (internal/bench/extract:
# the archive plugin's Extract, with its default limits and every safety
# rule) next to GNU tar and Info-ZIP unzip on the same archives, in the same
# session: a tar.gz of MIB MiB of files (256 KiB to 4 MiB; half random bytes,
# half log-like text; made by `tar -czf`) against `tar -xzf`, and a zip of
# FILES files of 4 to 64 KiB (made by `zip -r`) against `unzip -q`. Runs
# alternate batchd and the baseline; each run extracts into a fresh folder,
# after a `sync` so one run's write-back does not slow the next. Prints the
# median of RUNS runs and the ratio baseline/batchd (1.0 = as fast, above 1 =
# batchd faster) on stderr, and the suite's ROW lines on stdout.
# Needs: tar, gzip, zip, unzip. Usage: internal/bench/extract.sh [MIB] [RUNS] [FILES]
# (defaults 1024 3 20000; `internal/bench/extract.sh 8 1 200` is a smoke test).
set -euo pipefail
cd "$(dirname "$0")/../.."
MIB=${1:-1024}
RUNS=${2:-3}
FILES=${3:-20000}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
go build -o "$work/extract" ./internal/bench/extract
X=$work/extract
"$X" tree "$work/tree" "$MIB" >/dev/null
"$X" small "$work/small" "$FILES" >/dev/null
(cd "$work/tree" && tar -czf "$work/big.tar.gz" .)
(cd "$work/small" && zip -qr "$work/small.zip" .)
rm -rf "$work/tree" "$work/small"

# seconds CMD...: wall time of one run into a fresh $work/out.
seconds() {
	local s e
	rm -rf "$work/out" && mkdir "$work/out" && sync
	s=$(date +%s.%N)
	"$@" >/dev/null
	e=$(date +%s.%N)
	awk -v s="$s" -v e="$e" 'BEGIN { print e - s }'
}
median() { sort -n | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'; }
row() { # label what baseline-label baseline-cmd -- batchd-cmd
	local label=$1 what=$2 blabel=$3; shift 3
	local base=() ours=()
	while [ "$1" != "--" ]; do base+=("$1"); shift; done; shift; ours=("$@")
	: >"$work/tb"; : >"$work/to"
	for _ in $(seq "$RUNS"); do
		seconds "${ours[@]}" >>"$work/to"
		seconds "${base[@]}" >>"$work/tb"
	done
	local tb to
	tb=$(median <"$work/tb"); to=$(median <"$work/to")
	awk -v l="$label" -v w="$what" -v b="$blabel" -v tb="$tb" -v to="$to" 'BEGIN {
		printf "%-7s %-34s batchd %6.2fs   %-9s %6.2fs   ratio %.2f\n", l, w, to, b, tb, tb/to }' >&2
	printf 'ROW|extraction %s|%s|%s|s|%s; baseline %s\n' "$label" "$to" "$tb" "$what" "$blabel"
}
tgz=$(du -m "$work/big.tar.gz" | cut -f1); zsz=$(du -m "$work/small.zip" | cut -f1)
echo "extraction, median of $RUNS runs (ratio = baseline time / batchd time; target >= 0.8)" >&2
row tar.gz "$MIB MiB in files (${tgz} MiB archive)" "tar -xzf" tar -xzf "$work/big.tar.gz" -C "$work/out" -- "$X" unpack "$work/big.tar.gz" "$work/out"
row zip "$FILES small files (${zsz} MiB archive)" "unzip -q" unzip -q "$work/small.zip" -d "$work/out" -- "$X" unpack "$work/small.zip" "$work/out"
