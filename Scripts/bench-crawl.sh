#!/usr/bin/env bash
# The crawl next to other crawlers on the same list and the same origins: COUNT URLs at
# concurrency CONCURRENCY, spread round robin over HOSTS hosts (127.0.0.1, 127.0.0.2, …,
# each a `greenlet bench origin` answering 1 KiB after 100 ms, all pinned to CPU 0), at
# most PER_HOST at once to one host; each crawler pinned to CPU 1:
#
#   greenlet  `greenlet crawl -c CONCURRENCY` (green threads)
#   go        net/http with GOMAXPROCS=1 (Scripts/crawl-peers/crawl.go)
#   aiohttp   asyncio and aiohttp (Scripts/crawl-peers/crawl_aiohttp.py)
#   gevent    a gevent Pool over the monkey-patched urllib (Scripts/gevent_peers.py); it
#             has no per-host limit, so it runs only when PER_HOST is CONCURRENCY
#
# interleaved, RUNS runs; prints the medians, each against the ideal time (100 ms times
# COUNT / CONCURRENCY rounds, or the rounds the busiest host needs at PER_HOST at once if
# more) and greenlet's ratio to each peer (below 1.00x: greenlet is faster). Each crawler
# times itself, from its first request to its last answer.
#
#   Scripts/bench-crawl.sh                      (builds the release binary first)
#   GREENLET_BIN=path COUNT=1000 CONCURRENCY=100 Scripts/bench-crawl.sh
#   CONTENDERS="greenlet go" RUNS=5 Scripts/bench-crawl.sh
#   COUNT=2000 CONCURRENCY=200 HOSTS=20 PER_HOST=8 Scripts/bench-crawl.sh
#
# Go comes from Debian's golang-go, aiohttp and gevent from PyPI into .build-venv, both
# installed on first use. Loopback only; every crawl is bounded in time.
set -euo pipefail
# shellcheck source=Scripts/bench-lib.sh
source "$(dirname "$0")/bench-lib.sh"  # absolute_greenlet_bin, begin_bench, start_server, stop_pid, gevent_python, go_peer, run_bounded, stop_bounded
absolute_greenlet_bin
cd "$(dirname "$0")/.."

die() { echo "bench-crawl: $*" >&2; exit 1; }

RUNS=${RUNS:-3}
COUNT=${COUNT:-5000}
CONCURRENCY=${CONCURRENCY:-1000}
HOSTS=${HOSTS:-1}
PER_HOST=${PER_HOST:-$CONCURRENCY}
CONTENDERS=${CONTENDERS:-greenlet go aiohttp gevent}
for number in "$COUNT" "$CONCURRENCY" "$HOSTS" "$PER_HOST"; do
  [[ $number =~ ^[1-9][0-9]*$ ]] || die "COUNT, CONCURRENCY, HOSTS and PER_HOST must be positive integers"
done
((HOSTS <= 250)) || die "HOSTS is at most 250 (127.0.0.1 to 127.0.0.250)"
if ((PER_HOST < CONCURRENCY)); then CONTENDERS=$(echo " $CONTENDERS " | sed 's/ gevent / /'); fi

begin_bench
origin_pids=()
trap 'stop_bounded; for pid in "${origin_pids[@]}"; do stop_pid "$pid"; done; rm -rf "$work"' EXIT

case " $CONTENDERS " in *" go "*) go_peer "$work/crawl-go" Scripts/crawl-peers/crawl.go ;; esac
case " $CONTENDERS " in *" aiohttp "* | *" gevent "*)
  python=$(gevent_python aiohttp) || die "no Python with gevent and aiohttp"
esac

# Enough descriptors for CONCURRENCY connections on each side.
ulimit -n "$(ulimit -Hn)"
ports=()
for host in $(seq "$HOSTS"); do
  start_listener origin_pid "origin-$host" 0 "$greenlet" bench origin --host "127.0.0.$host"
  origin_pids+=("$origin_pid")
  ports+=("$listener_port")
done
for n in $(seq 0 $((COUNT - 1))); do
  host=$((n % HOSTS))
  echo "http://127.0.0.$((host + 1)):${ports[host]}/bytes/1024?delay=100&n=$n"
done >"$work/urls.txt"

rows=$work/rows.tsv
: >"$rows"
for run in $(seq "$RUNS"); do
  for contender in $CONTENDERS; do
    case $contender in
      greenlet) command=("$greenlet" crawl "$work/urls.txt" -c "$CONCURRENCY" --per-host "$PER_HOST") ;;
      go) command=(env GOMAXPROCS=1 "$work/crawl-go" "$CONCURRENCY" "$work/urls.txt" "$PER_HOST") ;;
      aiohttp) command=("$python" Scripts/crawl-peers/crawl_aiohttp.py "$CONCURRENCY" "$work/urls.txt" "$PER_HOST") ;;
      gevent) command=("$python" Scripts/gevent_peers.py crawl "$CONCURRENCY" "$work/urls.txt") ;;
      *) die "unknown contender '$contender' (greenlet, go, aiohttp, gevent)" ;;
    esac
    run_bounded "$contender (run $run)" 600 "$work/out" "$work/err" taskset -c 1 "${command[@]}"
    if [ "$contender" = greenlet ]; then
      # "crawled N urls in S.SSs (mode green, concurrency C): N ok, 0 failed" on stderr
      summary=$(tail -n 1 "$work/err")
      [[ $summary =~ ^crawled\ [0-9]+\ urls\ in\ ([0-9.]+)s.*:\ [0-9]+\ ok,\ 0\ failed$ ]] || die "greenlet crawl: $summary"
      seconds=${BASH_REMATCH[1]}
    else
      seconds=$(tail -n 1 "$work/out")
    fi
    printf '%s\t%s\t%s\n' "$contender" "$run" "$seconds" >>"$rows"
    echo "bench-crawl: run $run, $contender: $seconds s" >&2
  done
done

python3 - "$rows" "$RUNS" "$COUNT" "$CONCURRENCY" "$HOSTS" "$PER_HOST" <<'PY'
import math, statistics, sys
rows = [line.split("\t") for line in open(sys.argv[1]).read().splitlines()]
runs, count, concurrency, hosts, per_host = (int(a) for a in sys.argv[2:7])
ideal = max(math.ceil(count / concurrency), math.ceil(math.ceil(count / hosts) / per_host)) * 0.1
names = list(dict.fromkeys(name for name, _, _ in rows))
seconds = {n: [float(s) for name, _, s in rows if name == n] for n in names}
median = {n: statistics.median(seconds[n]) for n in names}
print(f"crawl: {count:,} URLs over {hosts} host(s) at -c {concurrency}, at most {per_host} at once to a host, "
      f"every answer after 100 ms (ideal {ideal:.2f} s);")
print(f"medians of {runs} interleaved runs, origins on CPU 0, crawlers on CPU 1\n")
print("| crawler | seconds | / ideal | each run |")
print("|---|---:|---:|---|")
for n in names:
    print(f"| {n} | {median[n]:.3f} | {median[n] / ideal:.2f}x | " + ", ".join(f"{s:.3f}" for s in seconds[n]) + " |")
if "greenlet" in names and len(names) > 1:
    print("\n| greenlet / peer | seconds |")
    print("|---|---:|")
    for n in names:
        if n != "greenlet":
            print(f"| greenlet / {n} | {median['greenlet'] / median[n]:.2f}x |")
PY
