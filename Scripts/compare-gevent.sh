#!/usr/bin/env bash
# greenlet next to gevent on the same loads, in one interleaved run, and the page
# docs/compare-gevent.md with the medians and ratios:
#   echo   `greenlet echo` vs gevent's StreamServer; load `greenlet bench echo --target`
#   http   `greenlet serve-http --quiet` vs gevent's pywsgi serving the same 1 KiB file; `wrk`
#   crawl  `greenlet crawl` vs a gevent Pool over the monkey-patched urllib, both fetching
#          from `greenlet bench origin` (each answer after 100 ms)
#   chat   `greenlet chat` vs the gevent chat server; load `greenlet bench chat --target`
# Servers on CPU 0, loads (and the crawlers) on CPU 1; server CPU from /proc/PID/stat.
#
#   Scripts/compare-gevent.sh                 # RUNS=3; writes docs/compare-gevent.md
#   RUNS=1 QUICK=1 OUT=/tmp/x Scripts/compare-gevent.sh
#   GREENLET_BIN=/path/to/greenlet Scripts/compare-gevent.sh
#
# gevent comes from PyPI into .build-venv; wrk from apt-get when missing. Loopback only;
# every load is bounded by `timeout`.
set -euo pipefail

# shellcheck source=Scripts/bench-lib.sh
source "$(dirname "$0")/bench-lib.sh"  # absolute_greenlet_bin, greenlet_binary, stop_pid, cpu_ticks, start_server, gevent_python, begin_bench, apt_install
absolute_greenlet_bin
[ -n "${OUT:-}" ] && OUT=$(realpath -m -- "$OUT")
cd "$(dirname "$0")/.."

RUNS=${RUNS:-3}
OUT=${OUT:-docs}
if [ -n "${QUICK:-}" ]; then
  echo_load=(--connections 10 --messages 200); wrk_time=2s; crawl_urls=100; crawl_c=50; chat_load=(--clients 10 --messages 100)
else
  echo_load=(--connections 100 --messages 1000); wrk_time=5s; crawl_urls=1000; crawl_c=100; chat_load=(--clients 100 --messages 100)
fi

die() { echo "compare-gevent: $*" >&2; exit 1; }
[[ $RUNS =~ ^[1-9][0-9]*$ ]] || die "RUNS must be a positive integer"
taskset -c 0,1 true 2>/dev/null || die "needs CPUs 0 and 1 (servers on 0, loads on 1)"
command -v wrk >/dev/null || apt_install wrk
python=$(gevent_python) || die "no gevent"
begin_bench  # greenlet, work, clk_tck, server_pid; cleanup at exit
mkdir -p "$work/www" "$OUT"
head -c 1024 /dev/urandom >"$work/www/1k.bin"
rows=$work/rows.tsv
: >"$rows"
record() { echo -e "$1\t$2\t$3\t$4" >>"$rows"; }  # workload, contender, rate, cpu us per op

measure_server() {  # WORKLOAD CONTENDER OPS_KEY -- SERVER... : start, load with $load, record
  local workload=$1 contender=$2; shift 3
  start_server "$@"
  local before after
  before=$(cpu_ticks "$server_pid")
  case $workload in
    echo) timeout -k 5 300 taskset -c 1 "$greenlet" bench echo --target "127.0.0.1:$port" "${echo_load[@]}" --json >"$work/load.json" ;;
    chat) timeout -k 5 300 taskset -c 1 "$greenlet" bench chat --target "127.0.0.1:$port" "${chat_load[@]}" --json >"$work/load.json" ;;
    http) timeout -k 5 120 taskset -c 1 wrk -t1 -c100 -d"$wrk_time" "http://127.0.0.1:$port/1k.bin" >"$work/wrk.txt" ;;
  esac || die "$workload load against $contender failed"
  after=$(cpu_ticks "$server_pid")
  stop_pid "$server_pid"; server_pid=""
  python3 - "$workload" "$contender" "$((after - before))" "$clk_tck" "$work" >>"$rows" <<'PY'
import json, re, sys
workload, contender, ticks, clk, work = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), sys.argv[5]
if workload == "http":
    text = open(f"{work}/wrk.txt").read()
    ops = int(re.search(r"(\d+) requests in", text).group(1))
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", text).group(1))
else:
    r = json.load(open(f"{work}/load.json"))["results"][0]
    ops = r["round_trips"] if workload == "echo" else r["deliveries"]
    rate = r["round_trips_per_second"] if workload == "echo" else r["deliveries_per_second"]
print(f"{workload}\t{contender}\t{rate}\t{ticks * 1e6 / clk / ops}")
PY
}

for run in $(seq "$RUNS"); do
  measure_server echo greenlet x "$greenlet" echo --host 127.0.0.1 --port 0
  measure_server echo gevent x "$python" Scripts/gevent_peers.py echo 0
  measure_server http greenlet x "$greenlet" serve-http --host 127.0.0.1 --port 0 --root "$work/www" --quiet
  measure_server http gevent x "$python" Scripts/gevent_peers.py http 0 "$work/www"
  measure_server chat greenlet x "$greenlet" chat --host 127.0.0.1 --port 0
  measure_server chat gevent x "$python" Scripts/gevent_chat_server.py 0

  start_server "$greenlet" bench origin
  seq 1 "$crawl_urls" | sed "s|.*|http://127.0.0.1:$port/bytes/1024?delay=100\&n=&|" >"$work/urls.txt"
  start=$(date +%s.%N)
  timeout -k 5 300 taskset -c 1 "$greenlet" crawl "$work/urls.txt" -c "$crawl_c" >/dev/null 2>&1 || die "greenlet crawl failed"
  record crawl greenlet "$(python3 -c "import time; print($(date +%s.%N) - $start)")" 0
  seconds=$(timeout -k 5 300 taskset -c 1 "$python" Scripts/gevent_peers.py crawl "$crawl_c" "$work/urls.txt") || die "gevent crawl failed"
  record crawl gevent "$seconds" 0
  stop_pid "$server_pid"; server_pid=""
  echo "compare-gevent: run $run done" >&2
done

python3 - "$rows" "$OUT" "$RUNS" "$crawl_urls" "$crawl_c" "${echo_load[*]}" "${chat_load[*]}" "$wrk_time" <<'PY'
import os, platform, statistics, sys
rows, out, runs, urls, c, echo_load, chat_load, wrk_time = sys.argv[1:]
data = {}
for line in open(rows):
    w, who, rate, cpu = line.rstrip("\n").split("\t")
    data.setdefault((w, who), []).append((float(rate), float(cpu)))
med = {k: (statistics.median(r for r, _ in v), statistics.median(c for _, c in v)) for k, v in data.items()}
cpu = next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")), "unknown CPU")
page = ["# greenlet and gevent", "",
        f"One run of `Scripts/compare-gevent.sh`, medians of {runs} interleaved runs, on {os.cpu_count()} CPUs ({cpu}), Linux {platform.release()}; servers pinned to CPU 0, loads to CPU 1. Written by the script.", "",
        "| workload | load | greenlet | gevent | greenlet/gevent | server CPU µs per op, greenlet | gevent | ratio |",
        "|---|---|---:|---:|---:|---:|---:|---:|"]
loads = {"echo": f"`greenlet bench echo --target` {echo_load}, 64 B", "http": f"`wrk -t1 -c100 -d{wrk_time}`, a 1 KiB file",
         "chat": f"`greenlet bench chat --target` {chat_load}", "crawl": f"{urls} URLs at -c {c}, origin answering after 100 ms (ideal {int(urls) / int(c) * 0.1:.1f} s)"}
units = {"echo": "round trips/s", "http": "requests/s", "chat": "deliveries/s", "crawl": "seconds"}
for w in ["echo", "http", "chat", "crawl"]:
    g, e = med.get((w, "greenlet")), med.get((w, "gevent"))
    if not g or not e: continue
    cpu_cells = ["-", "-", "-"] if w == "crawl" else [f"{g[1]:.2f}", f"{e[1]:.2f}", f"{g[1] / e[1]:.2f}x"]
    page.append(f"| {w} ({units[w]}) | {loads[w]} | {g[0]:.2f} | {e[0]:.2f} | {g[0] / e[0]:.2f}x | " + " | ".join(cpu_cells) + " |")
page += ["", "For crawl the figure is the wall time (lower is better); for the others a rate (higher is better) and the server's CPU per operation (lower is better).", "",
         "The gevent programs: `Scripts/gevent_peers.py` (echo: StreamServer; http: pywsgi reading the file; crawl: `Pool(c).map` over `urllib.request` with `monkey.patch_all()`) and `Scripts/gevent_chat_server.py` (a users map of queues, a reader and a writer greenlet per connection, TCP_NODELAY)."]
open(f"{out}/compare-gevent.md", "w").write("\n".join(page) + "\n")
print("\n".join(page))
PY
