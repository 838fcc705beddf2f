#!/usr/bin/env bash
# Measures a 1 GiB fetch over loopback by each scheme through batchd's fetcher
# plugins (`batchd fetch`, a real plugin process writing, hashing and fsyncing
# the file), next to the usual tool on the same server in the same session:
# curl for HTTP and FTP, the gohdfs CLI's `hdfs get` for HDFS. Prints the
# median of RUNS runs and the ratio batchd/baseline (1.0 = as fast).
# Needs: python3, python3-pyftpdlib, curl, hdfs-cli. Usage: internal/bench/fetch.sh [MiB] [RUNS]
set -euo pipefail
cd "$(dirname "$0")/../.."
MIB=${1:-1024}
RUNS=${2:-3}
work=$(mktemp -d)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$work"; }
trap cleanup EXIT
mkdir -p "$work/srv" "$work/out"
head -c "$((MIB * 1024 * 1024))" /dev/urandom > "$work/srv/blob"
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
wait_port() { for _ in $(seq 100); do (echo >/dev/tcp/127.0.0.1/"$1") 2>/dev/null && return 0; sleep 0.1; done; echo "port $1 never opened" >&2; exit 1; }

hp=$(free_port); python3 -m http.server "$hp" --bind 127.0.0.1 --directory "$work/srv" >/dev/null 2>&1 & pids+=($!)
fp=$(free_port); /usr/bin/python3 -m pyftpdlib -i 127.0.0.1 -p "$fp" -d "$work/srv" >/dev/null 2>&1 & pids+=($!)
go build -o "$work/hdfstest" ./internal/hdfstest/cmd/hdfstest
np=$(free_port); "$work/hdfstest" --listen "127.0.0.1:$np" --block-size $((128 << 20)) --put "$work/srv/blob=/bench/blob" >"$work/hdfs.addr" 2>/dev/null & pids+=($!)
wait_port "$hp"; wait_port "$fp"
# The HDFS server prints its address once it has stored the file.
for _ in $(seq 600); do [ -s "$work/hdfs.addr" ] && break; sleep 0.1; done
[ -s "$work/hdfs.addr" ] || { echo "the HDFS test server did not start" >&2; exit 1; }

# seconds CMD...: wall time of one run, the output file removed after it.
seconds() { local s e; s=$(date +%s.%N); "$@" >/dev/null 2>&1; e=$(date +%s.%N); rm -rf "$work/out"/*; awk -v s="$s" -v e="$e" 'BEGIN { print e - s }'; }
median() { sort -n | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'; }
row() { # label baseline-label baseline-cmd -- batchd-cmd
	local label=$1 blabel=$2; shift 2
	local base=() ours=()
	while [ "$1" != "--" ]; do base+=("$1"); shift; done; shift; ours=("$@")
	local tb to
	tb=$(for _ in $(seq "$RUNS"); do seconds "${base[@]}"; done | median)
	to=$(for _ in $(seq "$RUNS"); do seconds "${ours[@]}"; done | median)
	awk -v l="$label" -v b="$blabel" -v m="$MIB" -v tb="$tb" -v to="$to" 'BEGIN {
		printf "%-6s batchd %7.1f MiB/s (%.2fs)   %-9s %7.1f MiB/s (%.2fs)   ratio %.2f\n", l, m/to, to, b, m/tb, tb, tb/to }'
}
B=bin/batchd; D=(--plugin-dir bin/plugins)
echo "1 fetch of $MIB MiB over loopback, median of $RUNS runs (ratio = baseline time / batchd time)"
# batchd's fetchers hash what they write and fsync it before they answer;
# each baseline runs twice: as is, and followed by `sync FILE` (the same
# durability), so the ratio shows what the hashing and the plugin cost.
out="$work/out/blob"
row http curl curl -sf -o "$out" "http://127.0.0.1:$hp/blob" -- $B fetch "${D[@]}" "http://127.0.0.1:$hp/blob" "$out"
row http curl+sync sh -c "curl -sf -o $out http://127.0.0.1:$hp/blob && sync $out" -- $B fetch "${D[@]}" "http://127.0.0.1:$hp/blob" "$out"
row ftp curl curl -sf -o "$out" "ftp://127.0.0.1:$fp/blob" -- $B fetch "${D[@]}" "ftp://127.0.0.1:$fp/blob" "$out"
row ftp curl+sync sh -c "curl -sf -o $out ftp://127.0.0.1:$fp/blob && sync $out" -- $B fetch "${D[@]}" "ftp://127.0.0.1:$fp/blob" "$out"
export HADOOP_NAMENODE="127.0.0.1:$np" HADOOP_USER_NAME=hdfs
row hdfs "hdfs get" hdfs get /bench/blob "$out" -- $B fetch "${D[@]}" "hdfs://127.0.0.1:$np/bench/blob" "$out"
row hdfs "get+sync" sh -c "hdfs get /bench/blob $out && sync $out" -- $B fetch "${D[@]}" "hdfs://127.0.0.1:$np/bench/blob" "$out"
