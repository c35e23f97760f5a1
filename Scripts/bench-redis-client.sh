#!/usr/bin/env bash
# Compares the client CPU time per Redis operation spent by greenlet's RedisClient
# (hiredis's reader and formatter over the hub's own sockets) with that of hiredis's own
# async API on libevent (redisAsyncContext and its libevent adapter), in one interleaved
# run so both see the same machine conditions. Both clients live in
# Scripts/redis-client-bench: sequential PINGs, then SETs in pipelines of 100.
#
# The script starts its own redis-server on 127.0.0.1 at a free port, pinned to CPU 1;
# each client runs pinned to CPU 0 and reports its own getrusage CPU and wall time.
#
#   Scripts/bench-redis-client.sh
#   PINGS=50000 SETS=200000 RUNS=3 Scripts/bench-redis-client.sh
#
# Needs Linux, two or more CPUs, swift, cc, libhiredis-dev, libevent-dev, redis-server
# (Scripts/install-deps.sh installs what is missing), taskset, python3. Loopback only.
set -euo pipefail

# shellcheck source=Scripts/bench-lib.sh
source "$(dirname "$0")/bench-lib.sh"  # stop_pid, start_redis, run_bounded, stop_bounded
cd "$(dirname "$0")/.."

PINGS=${PINGS:-50000}
SETS=${SETS:-200000}
RUNS=${RUNS:-3}

die() { echo "bench-redis-client: $*" >&2; exit 1; }

for v in PINGS SETS RUNS; do
  [[ ${!v} =~ ^[1-9][0-9]*$ ]] || die "$v must be a positive integer (got '${!v}')"
done
[ "$(nproc --all)" -ge 2 ] || die "needs at least two CPUs (clients on 0, redis-server on 1)"
command -v redis-server >/dev/null || bash Scripts/install-deps.sh
for tool in swift cc redis-server taskset python3 timeout; do
  command -v "$tool" >/dev/null || die "$tool not found"
done

# Its own scratch path, so that it neither waits on nor disturbs the main .build.
scratch=$PWD/.build-redisbench
mkdir -p "$scratch"
adapter=$scratch/adapter
cc -O2 -Wall -Wextra -o "$adapter" Scripts/redis-client-bench/adapter.c -lhiredis -levent
swift build -c release --package-path Scripts/redis-client-bench --scratch-path "$scratch" >&2
greenlet=$(swift build -c release --package-path Scripts/redis-client-bench --scratch-path "$scratch" --show-bin-path)/redis-client-bench
[ -x "$greenlet" ] || die "benchmark binary not found at $greenlet"

work=$(mktemp -d)
redis_pid=""
cleanup() {
  stop_bounded
  stop_pid "$redis_pid"
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

start_redis redis_pid 1

rows=$work/rows.jsonl
: >"$rows"
echo "bench-redis-client: $RUNS runs x (adapter, greenlet), $PINGS PINGs, $SETS SETs in pipelines of 100, redis on port $redis_port" >&2

for run in $(seq "$RUNS"); do
  for contender in adapter greenlet; do
    case $contender in
      adapter) binary=$adapter ;;
      greenlet) binary=$greenlet ;;
    esac
    run_bounded "$contender (run $run)" 120 "$work/client.out" "$work/client.err" \
      taskset -c 0 "$binary" "$redis_port" "$PINGS" "$SETS"
    kill -0 "$redis_pid" 2>/dev/null || die "redis-server died during $contender (run $run)"
    python3 -c 'import json, sys; d = json.loads(sys.stdin.readline()); d["run"] = int(sys.argv[1]); print(json.dumps(d))' \
      "$run" <"$work/client.out" >>"$rows"
    echo "bench-redis-client: run $run $contender done" >&2
  done
done

python3 - "$rows" <<'PY'
import json, statistics, sys
rows = [json.loads(line) for line in open(sys.argv[1])]
figures = [("ping_cpu_us", "CPU µs/PING"), ("ping_wall_us", "wall µs/PING"),
           ("set_cpu_us", "CPU µs/SET (pipelined)"), ("set_wall_us", "wall µs/SET (pipelined)")]
header = " | ".join(title for _, title in figures)

print(f"| run | contender | {header} |")
print("|---|---|" + "---:|" * len(figures))
for r in rows:
    print(f"| {r['run']} | {r['contender']} | " + " | ".join(f"{r[k]:.2f}" for k, _ in figures) + " |")

print()
print(f"| median | {header} |")
print("|---|" + "---:|" * len(figures))
med = {}
for who in ("adapter", "greenlet"):
    med[who] = {k: statistics.median(r[k] for r in rows if r["contender"] == who) for k, _ in figures}
    print(f"| {who} | " + " | ".join(f"{med[who][k]:.2f}" for k, _ in figures) + " |")
print("| greenlet/adapter | " + " | ".join(
    f"{med['greenlet'][k] / med['adapter'][k]:.2f}x" if med["adapter"][k] > 0 else "n/a"
    for k, _ in figures) + " |")
PY
