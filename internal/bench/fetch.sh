#!/usr/bin/env bash
# Measures a 1 GiB fetch over loopback by each scheme through batchd's fetcher
# plugins (`batchd fetch`, a real plugin process writing, hashing and fsyncing
# the file), next to the usual tool on the same server in the same session:
# curl for HTTP and FTP, the gohdfs CLI's `hdfs get` for HDFS, each as is and
# followed by `sync FILE` (batchd's fetchers fsync what they write, so the
# baseline with sync does the same work but the hashing: it writes the whole
# file and makes it durable). Prints, on stderr, each run and the medians,
# and on stdout one ROW line per scheme for internal/bench/suite.sh: batchd's
# and the baseline+sync's median speed in MiB/s (the plain baseline's, and
# the spread of the paired ratios, in the note).
#
# Steadiness. The disk is shared and ext4 may be mounted with online
# discard, so a run must not pay for the one before it: before every timed
# run, settle removes the previous output and runs `sync`, which writes out
# what is dirty (the previous plain baseline's file is gone by then, so its
# pages are dropped, not written) and commits the journal, which issues the
# discards of the blocks the removed file freed (BENCH_FSTRIM=1 also runs
# fstrim on the output's file system). The source file is read once first
# so that every run reads it from the page cache. Rounds alternate their
# order (baseline first, then batchd first), and each round's ratio
# baseline+sync time / batchd time is paired, so a slow minute hits both.
# BENCH_STAGING_SCHEMES picks schemes (default "http ftp hdfs").
# Needs: python3, python3-pyftpdlib, curl, hdfs-cli. Usage: internal/bench/fetch.sh [MiB] [RUNS]
set -euo pipefail
cd "$(dirname "$0")/../.."
MIB=${1:-1024}
RUNS=${2:-5}
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

# settle: no run pays for the previous one's output (see the header).
settle() {
	rm -rf "$work/out"/*
	sync
	if [ -n "${BENCH_FSTRIM:-}" ]; then fstrim "$(df --output=target "$work/out" | tail -1)" 2>/dev/null || true; fi
}
# seconds CMD...: wall time of one settled run, which must succeed.
seconds() {
	local s e
	settle
	s=$(now)
	"$@" >/dev/null 2>"$work/run.err" || { echo "fetch: failed: $*" >&2; cat "$work/run.err" >&2; return 1; }
	e=$(now)
	awk -v s="$s" -v e="$e" 'BEGIN { print e - s }'
}
# compare SCHEME BASELINE-LABEL SHELL-BASELINE SHELL-HASHED -- BATCHD-CMD...:
# RUNS rounds of the baseline, the baseline followed by `sync FILE`, the
# hashed baseline (the same tool piped through tee into sha256sum, then
# sync: the work batchd does, SHA-256 included) and batchd; odd rounds run
# the baselines first, even rounds batchd first.
compare() {
	local scheme=$1 blabel=$2 base=$3 hashed=$4 r tp ts th to
	shift 5
	: >"$work/t-plain"; : >"$work/t-sync"; : >"$work/t-hash"; : >"$work/t-ours"; : >"$work/ratios"
	cat "$work/srv/blob" >/dev/null # into the page cache for every run alike
	for r in $(seq "$RUNS"); do
		if [ $((r % 2)) = 1 ]; then
			tp=$(seconds sh -c "$base")
			ts=$(seconds sh -c "$base && sync $out")
			th=$(seconds sh -c "$hashed && sync $out")
			to=$(seconds "$@")
		else
			to=$(seconds "$@")
			th=$(seconds sh -c "$hashed && sync $out")
			ts=$(seconds sh -c "$base && sync $out")
			tp=$(seconds sh -c "$base")
		fi
		echo "$tp" >>"$work/t-plain"; echo "$ts" >>"$work/t-sync"; echo "$th" >>"$work/t-hash"; echo "$to" >>"$work/t-ours"
		awk -v ts="$ts" -v to="$to" 'BEGIN { printf "%.2f\n", ts / to }' >>"$work/ratios"
		printf '%-6s run %d: batchd %.2fs  %s+sync %.2fs  %s %.2fs  ratio %s\n' "$scheme" "$r" "$to" "$blabel" "$ts" "$blabel" "$tp" "$(tail -1 "$work/ratios")" >&2
	done
	tp=$(median <"$work/t-plain"); ts=$(median <"$work/t-sync"); th=$(median <"$work/t-hash"); to=$(median <"$work/t-ours")
	local spread
	spread=$(sort -g "$work/ratios" | awk '{ a[NR] = $1 } END { printf "paired ratios %s-%s, median %s", a[1], a[NR], a[int((NR + 1) / 2)] }')
	awk -v l="$scheme" -v b="$blabel" -v m="$MIB" -v tp="$tp" -v ts="$ts" -v to="$to" -v sp="$spread" 'BEGIN {
		printf "%-6s batchd %7.1f MiB/s (%.2fs)   %-9s %7.1f MiB/s (%.2fs) ratio %.2f   +sync %7.1f MiB/s (%.2fs) ratio %.2f; %s\n",
			l, m/to, to, b, m/tp, tp, tp/to, m/ts, ts, ts/to, sp }' >&2
	row "staging $scheme" "$(awk -v m="$MIB" -v t="$to" 'BEGIN { printf "%.1f", m / t }')" \
		"$(awk -v m="$MIB" -v t="$ts" 'BEGIN { printf "%.1f", m / t }')" MiB/s \
		"$MIB MiB, median of $RUNS; baseline $blabel + sync; $blabel alone $(awk -v m="$MIB" -v t="$tp" 'BEGIN { printf "%.1f", m / t }') MiB/s; $blabel piped through tee and sha256sum, + sync (batchd's work) $(awk -v m="$MIB" -v t="$th" -v o="$to" 'BEGIN { printf "%.1f MiB/s, ratio %.2f", m / t, t / o }'); $spread"
}
B=bin/batchd; D=(--plugin-dir bin/plugins)
echo "1 fetch of $MIB MiB over loopback, median of $RUNS runs (ratio = baseline time / batchd time)" >&2
out="$work/out/blob"
SCHEMES=" ${BENCH_STAGING_SCHEMES:-http ftp hdfs} "
[[ $SCHEMES != *" http "* ]] ||
	compare http curl "curl -sf -o $out http://127.0.0.1:$hp/blob" \
		"curl -sf http://127.0.0.1:$hp/blob | tee $out | sha256sum >/dev/null" -- $B fetch "${D[@]}" "http://127.0.0.1:$hp/blob" "$out"
[[ $SCHEMES != *" ftp "* ]] ||
	compare ftp curl "curl -sf -o $out ftp://127.0.0.1:$fp/blob" \
		"curl -sf ftp://127.0.0.1:$fp/blob | tee $out | sha256sum >/dev/null" -- $B fetch "${D[@]}" "ftp://127.0.0.1:$fp/blob" "$out"
export HADOOP_NAMENODE="127.0.0.1:$np" HADOOP_USER_NAME=hdfs
[[ $SCHEMES != *" hdfs "* ]] ||
	compare hdfs "hdfs get" "hdfs get /bench/blob $out" \
		"hdfs cat /bench/blob | tee $out | sha256sum >/dev/null" -- $B fetch "${D[@]}" "hdfs://127.0.0.1:$np/bench/blob" "$out"
