#!/usr/bin/env bash
# Bus throughput and one-way latency between two processes, over ipc://
# and tcp://, for push/pull and pub/sub, on the release build.
#
#   bench/bus/run.sh [count]     (default 200000 messages per burst)
#
# A burst sends as fast as bus_send() goes: msg/s is what the receiver
# took in, and its latency is mostly queueing. A paced run sends 2,000
# messages per second, so its latency is the path itself.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
count=${1:-200000}
cd "$root"
cmake --preset release >/dev/null
cmake --build build/release --target bus_bench -j2 >/dev/null
bench=build/release/bench/bus/bus_bench
echo "# $(uname -srm), $(nproc) cores, load: $(cut -d' ' -f1-3 /proc/loadavg)"
for t in ipc tcp; do
	for p in pushpull pubsub; do
		"$bench" --transport="$t" --pattern="$p" --count="$count"
		"$bench" --transport="$t" --pattern="$p" --count=10000 --rate=2000
	done
done
