# Shell helpers sourced by the bench scripts in internal/bench (not run on
# its own). Every script that feeds internal/bench/suite.sh prints its
# results as ROW lines on stdout (see suite.sh for the protocol) and its
# progress on stderr.

# row NAME BATCHD BASELINE UNIT [NOTE]: one result line for suite.sh.
# BASELINE is "-" for a row without one.
row() { printf 'ROW|%s|%s|%s|%s|%s\n' "$1" "$2" "$3" "$4" "${5:-}"; }

# median: the median of the numbers on stdin, one a line (the lower middle
# of an even count).
median() { sort -g | awk '{ a[NR] = $1 } END { if (NR) print a[int((NR + 1) / 2)] }'; }

# now: seconds since the epoch, with nanoseconds.
now() { date +%s.%N; }

# free_port: a TCP port free on 127.0.0.1 right now.
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

# wait_port PORT: waits up to 10 s for a listener on 127.0.0.1:PORT.
wait_port() {
	for _ in $(seq 100); do
		(echo >/dev/tcp/127.0.0.1/"$1") 2>/dev/null && return 0
		sleep 0.1
	done
	echo "port $1 never opened" >&2
	return 1
}

# task_program: the sum job's task program and the arguments before its
# numbers, one a line, as the sum workload stages it: the small
# bin/plugins/batchd-task-sum when built, else the plugin's own task mode.
task_program() {
	if [ -x bin/plugins/batchd-task-sum ]; then
		echo "$PWD/bin/plugins/batchd-task-sum"
	else
		printf '%s\n' "$PWD/bin/plugins/batchd-workload-sum" task
	fi
}

# sum_input FILE N: N groups "i i+1", one a line, the input of an N-task sum job.
sum_input() { awk -v n="$2" 'BEGIN { for (i = 0; i < n; i++) printf "%d %d\n", i, i + 1 }' >"$1"; }

# sum_config FILE STATE INPUT [ARTIFACT_URI [CACHE]]: the sum job on the
# embedded cluster, 20 tasks at a time ([local] agents = 1, cpus = 2.0;
# cpus = 0.1 per task), one task per line of INPUT, every task also
# fetching ARTIFACT_URI when given, through the agents' fetch cache unless
# CACHE is false.
sum_config() {
	{
		cat <<TOML
[plugins]
dirs = ["$PWD/bin/plugins"]
[state]
dir = "$2"
[local]
agents = 1
cpus = 2.0
[[job]]
name = "bench"
workload = "sum"
cpus = 0.1
mem = "32MiB"
[job.params]
input = "file://$3"
TOML
		if [ -n "${4:-}" ]; then
			printf '[[job.artifacts]]\nuri = "%s"\ncache = %s\n' "$4" "${5:-true}"
		fi
	} >"$1"
}
