#!/usr/bin/env bash
# Compares `greenlet chat` with the gevent chat server (Scripts/gevent_chat_server.py,
# TCP_NODELAY) on the same closed-loop broadcast load, in one interleaved run: for each
# room size in CLIENTS, every user sends MESSAGES_TOTAL/N lines one after another (the
# next once its previous came back), and every line reaches every user, checked in
# order by the load (`greenlet bench chat --target`).
#
# Each server is pinned to CPU 0 and the load to CPU 1; server CPU is utime+stime from
# /proc/PID/stat around the load. Prints the median deliveries/s, p50 latency and
# server CPU µs per delivery of each, and the greenlet/gevent ratios.
#
#   Scripts/bench-chat.sh
#   RUNS=5 CLIENTS="10 100" MESSAGES_TOTAL=20000 Scripts/bench-chat.sh
#   GREENLET_BIN=/path/to/greenlet Scripts/bench-chat.sh   # skip swift build
#   SERVERS=greenlet Scripts/bench-chat.sh                  # without gevent
#
# gevent comes from PyPI into a virtual environment in .build-venv (made once).
# Needs Linux, two or more CPUs, taskset, python3 with venv. Loopback only.
set -euo pipefail

# shellcheck source=Scripts/bench-lib.sh
source "$(dirname "$0")/bench-lib.sh"  # absolute_greenlet_bin, greenlet_binary, stop_pid, cpu_ticks, start_server, gevent_python, begin_bench
absolute_greenlet_bin
cd "$(dirname "$0")/.."

RUNS=${RUNS:-3}
CLIENTS=${CLIENTS:-10 100}
MESSAGES_TOTAL=${MESSAGES_TOTAL:-20000}
SERVERS=${SERVERS:-greenlet gevent}

die() { echo "bench-chat: $*" >&2; exit 1; }

for v in RUNS MESSAGES_TOTAL; do
  [[ ${!v} =~ ^[1-9][0-9]*$ ]] || die "$v must be a positive integer (got '${!v}')"
done
for n in $CLIENTS; do [[ $n =~ ^[1-9][0-9]*$ ]] || die "CLIENTS lists positive integers (got '$CLIENTS')"; done
for s in $SERVERS; do [[ $s == greenlet || $s == gevent ]] || die "SERVERS lists greenlet and/or gevent (got '$SERVERS')"; done
[ "$(nproc --all)" -ge 2 ] || die "needs at least two CPUs (server on 0, load on 1)"
for tool in taskset python3 timeout getconf; do
  command -v "$tool" >/dev/null || die "$tool not found"
done

python=""
if [[ " $SERVERS " == *" gevent "* ]]; then python=$(gevent_python) || die "no gevent"; fi

begin_bench  # greenlet, work, clk_tck, server_pid; cleanup at exit

rows=$work/rows.tsv
: >"$rows"
for run in $(seq "$RUNS"); do
  for clients in $CLIENTS; do
    messages=$((MESSAGES_TOTAL / clients))
    [ "$messages" -ge 1 ] || messages=1
    for server in $SERVERS; do
      case $server in
        greenlet) start_server "$greenlet" chat --host 127.0.0.1 --port 0 ;;
        gevent) start_server "$python" Scripts/gevent_chat_server.py 0 ;;
      esac
      before=$(cpu_ticks "$server_pid")
      timeout -k 5 300 taskset -c 1 "$greenlet" bench chat --target "127.0.0.1:$port" \
        --clients "$clients" --messages "$messages" --json >"$work/load.json" 2>"$work/load.err" ||
        die "load against $server ($clients clients, run $run) failed: $(head -c 500 "$work/load.err")"
      after=$(cpu_ticks "$server_pid")
      stop_pid "$server_pid"
      server_pid=""
      python3 - "$work/load.json" "$run" "$clients" "$server" "$((after - before))" >>"$rows" <<'PY'
import json, sys
path, run, clients, server, ticks = sys.argv[1:]
r = json.load(open(path))["results"][0]
print("\t".join(str(v) for v in (run, clients, server, r["deliveries"], r["deliveries_per_second"], r["p50_us"], ticks)))
PY
      echo "bench-chat: run $run, $clients clients, $server done" >&2
    done
  done
done

python3 - "$rows" "$clk_tck" "$RUNS" <<'PY'
import statistics, sys
path, clk_tck, runs = sys.argv[1], int(sys.argv[2]), sys.argv[3]
rows = {}
for line in open(path):
    run, clients, server, deliveries, dps, p50, ticks = line.split("\t")
    cpu = int(ticks) * 1e6 / clk_tck / int(deliveries)
    rows.setdefault((int(clients), server), []).append((float(dps), float(p50), cpu))
print(f"closed-loop broadcast, server on CPU 0, load on CPU 1, medians of {runs} interleaved runs\n")
print("| clients | server | deliveries/s | p50 latency µs | server CPU µs/delivery |")
print("|---:|---|---:|---:|---:|")
for (clients, server), values in sorted(rows.items()):
    med = [statistics.median(v[i] for v in values) for i in range(3)]
    print(f"| {clients} | {server} | {med[0]:.0f} | {med[1]:.0f} | {med[2]:.2f} |")
clients_seen = sorted({c for c, _ in rows})
if all((c, s) in rows for c in clients_seen for s in ("greenlet", "gevent")):
    print("\n| clients | greenlet/gevent deliveries/s | greenlet/gevent CPU per delivery |")
    print("|---:|---:|---:|")
    for c in clients_seen:
        g = [statistics.median(v[i] for v in rows[(c, "greenlet")]) for i in (0, 2)]
        e = [statistics.median(v[i] for v in rows[(c, "gevent")]) for i in (0, 2)]
        print(f"| {c} | {g[0] / e[0]:.2f}x | {g[1] / e[1]:.2f}x |")
PY
