#!/usr/bin/env bash
# The HDFS demo: starts the in-repo HDFS test server (a namenode and three
# datanodes speaking the real Hadoop protocols) with a numbers file, and runs
# the sum job with its input staged from hdfs:// through the hdfs fetcher.
set -euo pipefail
cd "$(dirname "$0")/../.."
work=$(mktemp -d)
trap 'kill "$pid" 2>/dev/null || true; wait 2>/dev/null || true; rm -rf "$work"' EXIT
go build -o "$work/hdfstest" ./internal/hdfstest/cmd/hdfstest
"$work/hdfstest" --listen 127.0.0.1:0 --block-size 16 --put testdata/demo/numbers.txt=/demo/numbers.txt >"$work/addr" 2>/dev/null &
pid=$!
for _ in $(seq 300); do [ -s "$work/addr" ] && break; sleep 0.1; done
addr=$(cat "$work/addr")
echo "HDFS test server at $addr holds /demo/numbers.txt (16-byte blocks over 3 datanodes)" >&2
cat > "$work/cluster.toml" <<TOML
[plugins]
dirs = ["$PWD/bin/plugins"]
[state]
dir = "$work/state"
[fetchers.hdfs]
namenodes = ["$addr"]
user = "hdfs"
[[job]]
name = "hdfs-sums"
workload = "sum"
cpus = 0.1
mem = "32MiB"
[job.params]
input = "hdfs:///demo/numbers.txt"
TOML
bin/batchd --config "$work/cluster.toml"
