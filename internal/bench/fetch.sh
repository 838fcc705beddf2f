#!/usr/bin/env bash
# Measures a 1 GiB fetch over loopback by each scheme through batchd's fetcher
# plugins (`batchd fetch`, a real plugin process writing, hashing and fsyncing
# the file), next to the usual tool on the same server in the same session:
# curl for HTTP and FTP, the gohdfs CLI's `hdfs get` for HDFS, each as is and
# followed by `sync FILE` (batchd's fetchers fsync what they write). Runs
# alternate baseline, baseline+sync and batchd. Prints, on stderr, the median
# of RUNS runs and the ratio baseline time / batchd time (1.0 = as fast), and
# on stdout one ROW line per scheme for internal/bench/suite.sh: batchd's and
# the baseline+sync's speed in MiB/s (the plain baseline's in the note).
# Needs: python3, python3-pyftpdlib, curl, hdfs-cli. Usage: internal/bench/fetch.sh [MiB] [RUNS]
set -euo pipefail
cd "$(dirname "$0")/../.."
MIB=${1:-1024}
RUNS=${2:-3}
. internal/bench/lib.sh
work=$(mktemp -d)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT
mkdir -p "$work/srv" "$work/out"
head -c "$((MIB * 1024 * 1024))" /dev/urandom > "$work/srv/blob"

hp=$(free_port); python3 -m http.server "$hp" --bind 127.0.0.1 --directory "$work/srv" >/dev/null 2>&1 & pids+=($!)
fp=$(free_port); /usr/bin/python3 -m pyftpdlib -i 127.0.0.1 -p "$fp" -d "$work/srv" >/dev/null 2>&1 & pids+=($!)
go build -o "$work/hdfstest" ./internal/hdfstest/cmd/hdfstest
np=$(free_port); "$work/hdfstest" --listen "127.0.0.1:$np" --block-size $((128 << 20)) --put "$work/srv/blob=/bench/blob" >"$work/hdfs.addr" 2>/dev/null & pids+=($!)
wait_port "$hp"; wait_port "$fp"
# The HDFS server prints its address once it has stored the file.
for _ in $(seq 600); do [ -s "$work/hdfs.addr" ] && break; sleep 0.1; done
[ -s "$work/hdfs.addr" ] || { echo "the HDFS test server did not start" >&2; exit 1; }

# seconds CMD...: wall time of one run, the output file removed after it.
seconds() { local s e; s=$(now); "$@" >/dev/null 2>&1; e=$(now); rm -rf "$work/out"/*; awk -v s="$s" -v e="$e" 'BEGIN { print e - s }'; }
# compare SCHEME BASELINE-LABEL SHELL-BASELINE -- BATCHD-CMD...: RUNS rounds
# of the baseline, the baseline followed by `sync FILE`, and batchd.
compare() {
	local scheme=$1 blabel=$2 base=$3 r
	shift 4
	: >"$work/t-plain"; : >"$work/t-sync"; : >"$work/t-ours"
	for r in $(seq "$RUNS"); do
		seconds sh -c "$base" >>"$work/t-plain"
		seconds sh -c "$base && sync $out" >>"$work/t-sync"
		seconds "$@" >>"$work/t-ours"
	done
	local tp ts to
	tp=$(median <"$work/t-plain"); ts=$(median <"$work/t-sync"); to=$(median <"$work/t-ours")
	awk -v l="$scheme" -v b="$blabel" -v m="$MIB" -v tp="$tp" -v ts="$ts" -v to="$to" 'BEGIN {
		printf "%-6s batchd %7.1f MiB/s (%.2fs)   %-9s %7.1f MiB/s (%.2fs) ratio %.2f   +sync %7.1f MiB/s (%.2fs) ratio %.2f\n",
			l, m/to, to, b, m/tp, tp, tp/to, m/ts, ts, ts/to }' >&2
	row "staging $scheme" "$(awk -v m="$MIB" -v t="$to" 'BEGIN { printf "%.1f", m / t }')" \
		"$(awk -v m="$MIB" -v t="$ts" 'BEGIN { printf "%.1f", m / t }')" MiB/s \
		"$MIB MiB; baseline $blabel + sync; $blabel alone $(awk -v m="$MIB" -v t="$tp" 'BEGIN { printf "%.1f", m / t }') MiB/s"
}
B=bin/batchd; D=(--plugin-dir bin/plugins)
echo "1 fetch of $MIB MiB over loopback, median of $RUNS runs (ratio = baseline time / batchd time)" >&2
# batchd's fetchers hash what they write and fsync it before they answer;
# each baseline runs twice: as is, and followed by `sync FILE` (the same
# durability), so the ratio shows what the hashing and the plugin cost.
out="$work/out/blob"
compare http curl "curl -sf -o $out http://127.0.0.1:$hp/blob" -- $B fetch "${D[@]}" "http://127.0.0.1:$hp/blob" "$out"
compare ftp curl "curl -sf -o $out ftp://127.0.0.1:$fp/blob" -- $B fetch "${D[@]}" "ftp://127.0.0.1:$fp/blob" "$out"
export HADOOP_NAMENODE="127.0.0.1:$np" HADOOP_USER_NAME=hdfs
compare hdfs "hdfs get" "hdfs get /bench/blob $out" -- $B fetch "${D[@]}" "hdfs://127.0.0.1:$np/bench/blob" "$out"
