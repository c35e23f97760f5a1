#!/usr/bin/env bash
# Compares the server CPU time spent per echo round trip by `greenlet echo`
# with that of a minimal plain-C libevent server (Scripts/c-echo-server), in
# one interleaved run so both see the same machine conditions.
#
# Each server is pinned to CPU 0 and the load (`greenlet bench echo`) to
# CPU 1; server CPU is utime+stime from /proc/PID/stat around the load.
#
#   Scripts/bench-echo.sh
#   CONNECTIONS=100 MESSAGES=2000 SIZE=64 RUNS=3 Scripts/bench-echo.sh
#   GREENLET_BIN=/path/to/greenlet Scripts/bench-echo.sh   # skip swift build
#
# Needs Linux, two or more CPUs, gcc, pkg-config libevent, taskset, python3.
# Loopback only.
set -euo pipefail

# shellcheck source=Scripts/bench-lib.sh
source "$(dirname "$0")/bench-lib.sh"  # absolute_greenlet_bin, greenlet_binary, stop_pid, cpu_ticks, start_server, run_bounded, stop_bounded
absolute_greenlet_bin
cd "$(dirname "$0")/.."

CONNECTIONS=${CONNECTIONS:-100}
MESSAGES=${MESSAGES:-2000}
SIZE=${SIZE:-64}
RUNS=${RUNS:-3}

die() { echo "bench-echo: $*" >&2; exit 1; }

for v in CONNECTIONS MESSAGES SIZE RUNS; do
  [[ ${!v} =~ ^[1-9][0-9]*$ ]] || die "$v must be a positive integer (got '${!v}')"
done
[ "$(nproc --all)" -ge 2 ] || die "needs at least two CPUs (server on 0, load on 1)"
for tool in gcc pkg-config taskset python3 timeout getconf; do
  command -v "$tool" >/dev/null || die "$tool not found"
done

mkdir -p .build-bench
c_server=.build-bench/echo_server
# shellcheck disable=SC2046  # pkg-config output must word-split into flags
gcc -O2 -Wall -Wextra -o "$c_server" Scripts/c-echo-server/echo_server.c \
  $(pkg-config --cflags --libs libevent)

greenlet=$(greenlet_binary)
[ -x "$greenlet" ] || die "greenlet binary not found at $greenlet"

clk_tck=$(getconf CLK_TCK)
work=$(mktemp -d)
server_pid=""

stop_server() {
  stop_pid "$server_pid"
  server_pid=""
}
cleanup() {
  stop_bounded
  stop_server
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM


rows=$work/rows.tsv
: >"$rows"
echo "bench-echo: $RUNS runs x (c, greenlet), $CONNECTIONS connections x $MESSAGES messages x $SIZE bytes" >&2

for run in $(seq "$RUNS"); do
  for contender in c greenlet; do
    case $contender in
      c) start_server "$c_server" 0 ;;
      greenlet) start_server "$greenlet" echo --host 127.0.0.1 --port 0 ;;
    esac

    before=$(cpu_ticks "$server_pid")
    run_bounded "load against $contender (run $run)" 120 "$work/load.json" "$work/load.err" \
      taskset -c 1 "$greenlet" bench echo --target "127.0.0.1:$port" \
      --connections "$CONNECTIONS" --messages "$MESSAGES" --size "$SIZE" --json
    kill -0 "$server_pid" 2>/dev/null || die "$contender server died during the load (run $run)"
    after=$(cpu_ticks "$server_pid")
    stop_server

    python3 - "$work/load.json" "$run" "$contender" "$((after - before))" >>"$rows" <<'PY'
import json, sys
path, run, contender, ticks = sys.argv[1:]
doc = json.load(open(path))
res = doc["results"]
r = next((x for x in res if x.get("mode") == "target"), res[0])
if r["round_trips"] <= 0:
    sys.exit(f"bench-echo: no round trips in {path}")
print("\t".join(str(v) for v in (run, contender, r["round_trips"],
      r["round_trips_per_second"], r["p50_us"], r["p99_us"], ticks)))
PY
    echo "bench-echo: run $run $contender done" >&2
  done
done

python3 - "$rows" "$clk_tck" <<'PY'
import statistics, sys
path, clk_tck = sys.argv[1], int(sys.argv[2])
rows = []
for line in open(path):
    run, who, rts, rtps, p50, p99, ticks = line.split("\t")
    rts, ticks = int(rts), int(ticks)
    rows.append(dict(run=run, who=who, rts=rts, rtps=float(rtps), p50=float(p50),
                     p99=float(p99), ticks=ticks, cpu=ticks * 1e6 / clk_tck / rts))

print("| run | contender | round trips/s | p50 µs | p99 µs | server CPU µs/rt |")
print("|---|---|---:|---:|---:|---:|")
for r in rows:
    print(f"| {r['run']} | {r['who']} | {r['rtps']:.0f} | {r['p50']:.1f} | {r['p99']:.1f} | {r['cpu']:.2f} |")

print()
print("| median | round trips/s | p50 µs | p99 µs | server CPU µs/rt |")
print("|---|---:|---:|---:|---:|")
med = {}
for who in ("c", "greenlet"):
    sel = [r for r in rows if r["who"] == who]
    med[who] = {k: statistics.median(r[k] for r in sel) for k in ("rtps", "p50", "p99", "cpu")}
    m = med[who]
    print(f"| {who} | {m['rtps']:.0f} | {m['p50']:.1f} | {m['p99']:.1f} | {m['cpu']:.2f} |")

print()
if med["c"]["cpu"] > 0:
    print(f"greenlet/C server CPU per round trip (medians): {med['greenlet']['cpu'] / med['c']['cpu']:.2f}x")
else:
    print("greenlet/C server CPU per round trip: n/a (C server used no measurable CPU)")

# A clock tick is 1/CLK_TCK s; below ~100 ticks the rounding alone exceeds 1%.
short = [r for r in rows if r["ticks"] < 100]
if short:
    print(f"\nwarning: {len(short)} measurement(s) under 100 clock ticks of server CPU; "
          "raise MESSAGES for precise numbers", file=sys.stderr)
PY
