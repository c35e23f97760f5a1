#!/usr/bin/env bash
# Measures what greenlet's Redis-backed features cost and gain, against a redis-server of
# its own, in interleaved runs (reported, never asserted):
#
# - crawl frontier: URLS URLs from a local origin answering each request after 100 ms
#   (`greenlet bench origin`), enqueued with `greenlet crawl --queue URL --enqueue FILE`,
#   then crawled by each count of WORKERS processes started at once (`greenlet crawl
#   --queue URL -c CONCURRENCY`), next to one `greenlet crawl -c CONCURRENCY FILE` without
#   a queue. The ideal wall time is URLS / (workers x CONCURRENCY) x 0.1 s. Each run has a
#   frontier of its own and is checked to end with every URL done (`--status`).
# - chat across servers: the closed-loop broadcast of `greenlet bench chat` (every line
#   reaches every user, checked in order) through one plain `greenlet chat`, and through
#   two `greenlet chat --redis` serving one room, the users dealt to them round-robin.
#
# The system under test (workers, chat servers, redis-server) runs on CPU 0, the load (the
# origin, the chat users) on CPU 1. Prints medians as markdown tables: crawl wall time and
# its ratio to the ideal, CPU 0's busy time per URL, redis round trips per URL (all
# workers' own count, summed; a pipeline is one); chat deliveries/s, p50 latencies (of a
# line back to its sender, of every delivery, of those between servers), server CPU µs
# per delivery (redis-server's included), and what the second server adds.
#
#   Scripts/bench-redis.sh
#   RUNS=5 URLS=5000 WORKERS="1 2 4" CONCURRENCY=250 Scripts/bench-redis.sh
#   CLIENTS="10 100" MESSAGES_TOTAL=20000 Scripts/bench-redis.sh
#   GREENLET_BIN=/path/to/greenlet Scripts/bench-redis.sh   # skip swift build
#
# Needs Linux, two or more CPUs, redis-server (Scripts/install-deps.sh installs it),
# taskset, python3. Loopback only; every wait is bounded.
set -euo pipefail

# shellcheck source=Scripts/bench-lib.sh
source "$(dirname "$0")/bench-lib.sh"  # absolute_greenlet_bin, begin_bench, stop_pid, cpu_ticks, cpu01_ticks, start_listener, start_redis, start_bounded, wait_bounded, run_bounded, stop_bounded
absolute_greenlet_bin
cd "$(dirname "$0")/.."

RUNS=${RUNS:-3}
URLS=${URLS:-5000}
WORKERS=${WORKERS:-1 2 4}
CONCURRENCY=${CONCURRENCY:-250}
CLIENTS=${CLIENTS:-10 100}
MESSAGES_TOTAL=${MESSAGES_TOTAL:-20000}
latency_ms=100

die() { echo "bench-redis: $*" >&2; exit 1; }

for v in RUNS URLS CONCURRENCY MESSAGES_TOTAL; do
  [[ ${!v} =~ ^[1-9][0-9]*$ ]] || die "$v must be a positive integer (got '${!v}')"
done
[ -n "${WORKERS// /}" ] || die "WORKERS lists worker counts (got '$WORKERS')"
for n in $WORKERS; do [[ $n =~ ^[1-9][0-9]*$ ]] || die "WORKERS lists positive integers (got '$WORKERS')"; done
for n in $CLIENTS; do [[ $n =~ ^[1-9][0-9]*$ && $n -ge 2 ]] || die "CLIENTS lists integers of 2 or more, one user per server at least (got '$CLIENTS')"; done
[ "$(nproc --all)" -ge 2 ] || die "needs at least two CPUs (servers on 0, load on 1)"
command -v redis-server >/dev/null || bash Scripts/install-deps.sh
for tool in redis-server taskset python3 timeout getconf; do
  command -v "$tool" >/dev/null || die "$tool not found"
done

begin_bench  # greenlet, work, clk_tck; its EXIT trap is replaced below

# Everything started, stopped by pid at exit; workers and loads run bounded
# (start_bounded).
origin_pid=""
redis_pid=""
chat_a_pid=""
chat_b_pid=""
cleanup() {
  local pid
  stop_bounded
  for pid in "$chat_a_pid" "$chat_b_pid" "$origin_pid" "$redis_pid"; do stop_pid "$pid"; done
  rm -rf "$work"
}
trap cleanup EXIT

start_redis redis_pid 0
redis="redis://127.0.0.1:$redis_port"
start_listener origin_pid origin 1 "$greenlet" bench origin --port 0
origin="http://127.0.0.1:$listener_port"
# Distinct URLs (the frontier keeps each once), every answer 100 bytes after 100 ms.
urls=$work/urls.txt
seq "$URLS" | sed "s|^|$origin/bytes/100?delay=$latency_ms\&n=|" >"$urls"

crawl_timeout=300
rows=$work/crawl.tsv
chat_rows=$work/chat.tsv
: >"$rows"
: >"$chat_rows"
echo "bench-redis: $RUNS runs; redis on port $redis_port, origin at $origin" >&2

# crawl RUN WORKERS: one run of WORKERS workers on a fresh frontier (0: the URL file,
# without a queue); appends a row to $rows.
crawl() {
  local run=$1 workers=$2 queue="" name started ended i cpu0_before cpu0_after
  if [ "$workers" -gt 0 ]; then
    name=bench-$$-$run-$workers
    queue=$redis/$name
    local added
    added=$(timeout -k 5 60 "$greenlet" crawl --queue "$queue" --enqueue "$urls" 2>"$work/enqueue.err") ||
      die "enqueue into $name failed: $(head -c 500 "$work/enqueue.err")"
    [ "$added" = "$URLS new" ] || die "enqueue into $name said '$added', not '$URLS new'"
  fi
  read -r cpu0_before _ < <(cpu01_ticks)
  started=$(date +%s%N)
  if [ "$workers" -eq 0 ]; then
    start_bounded "$crawl_timeout" "$work/w1.out" "$work/w1.err" taskset -c 0 "$greenlet" crawl -c "$CONCURRENCY" "$urls"
  else
    for i in $(seq "$workers"); do
      start_bounded "$crawl_timeout" "$work/w$i.out" "$work/w$i.err" taskset -c 0 "$greenlet" crawl --queue "$queue" -c "$CONCURRENCY"
    done
  fi
  wait_bounded "crawl worker (run $run, $workers workers)"
  ended=$(date +%s%N)
  read -r cpu0_after _ < <(cpu01_ticks)
  local printed=0 trips=0 last
  for i in $(seq "$((workers > 0 ? workers : 1))"); do
    printed=$((printed + $(wc -l <"$work/w$i.out")))
    last=$(tail -n 1 "$work/w$i.err")
    if [ "$workers" -gt 0 ]; then
      [[ $last =~ \;\ ([0-9]+)\ redis\ round\ trips$ ]] || die "worker $i (run $run) ended without its round trips: '$last'"
      trips=$((trips + BASH_REMATCH[1]))
    fi
  done
  local status="-"
  if [ "$workers" -gt 0 ]; then
    status=$(timeout -k 5 30 "$greenlet" crawl --queue "$queue" --status 2>"$work/status.err") ||
      die "--status of $name failed: $(head -c 500 "$work/status.err")"
    [ "$status" = "queued 0, in flight 0, done $URLS, failed 0, workers seen $workers" ] ||
      die "$workers workers (run $run) left the frontier at '$status', not every URL done by $workers workers"
  fi
  [ "$printed" -eq "$URLS" ] || echo "bench-redis: warning: $workers workers (run $run) printed $printed results for $URLS URLs ($status)" >&2
  printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$run" "$workers" "$(((ended - started) / 1000))" "$trips" "$printed" \
    "$((cpu0_after - cpu0_before))" >>"$rows"
  echo "bench-redis: run $run, crawl with $([ "$workers" -gt 0 ] && echo "$workers workers" || echo "no queue") done" >&2
}

# CPU clock ticks the chat servers have used, and redis-server's with $1 (servers) above 1.
server_ticks() {
  local sum=0 pid
  for pid in $chat_a_pid $chat_b_pid; do sum=$((sum + $(cpu_ticks "$pid"))); done
  [ "$1" -eq 1 ] || sum=$((sum + $(cpu_ticks "$redis_pid")))
  echo "$sum"
}

# chat RUN CLIENTS SERVERS: one load through SERVERS (1: plain, 2: one room in Redis);
# appends a row to $chat_rows.
chat() {
  local run=$1 clients=$2 servers=$3 messages targets ticks before after
  messages=$((MESSAGES_TOTAL / clients))
  [ "$messages" -ge 1 ] || messages=1
  if [ "$servers" -eq 1 ]; then
    start_listener chat_a_pid chat-a 0 "$greenlet" chat --host 127.0.0.1 --port 0
    targets=(--target "127.0.0.1:$listener_port")
  else
    local room=$redis/bench-$$-$run-$clients
    start_listener chat_a_pid chat-a 0 "$greenlet" chat --host 127.0.0.1 --port 0 --redis "$room"
    targets=(--target "127.0.0.1:$listener_port")
    start_listener chat_b_pid chat-b 0 "$greenlet" chat --host 127.0.0.1 --port 0 --redis "$room"
    targets+=(--target "127.0.0.1:$listener_port")
  fi
  before=$(server_ticks "$servers")
  run_bounded "chat load through $servers server(s) ($clients clients, run $run)" 300 "$work/load.json" "$work/load.err" \
    taskset -c 1 "$greenlet" bench chat "${targets[@]}" --clients "$clients" --messages "$messages" --json
  after=$(server_ticks "$servers")
  ticks=$((after - before))
  stop_pid "$chat_a_pid"
  stop_pid "$chat_b_pid"
  chat_a_pid=""
  chat_b_pid=""
  python3 - "$work/load.json" "$run" "$clients" "$servers" "$ticks" >>"$chat_rows" <<'PY'
import json, sys
path, run, clients, servers, ticks = sys.argv[1:]
r = json.load(open(path))["results"][0]
print("\t".join(str(v) for v in (run, clients, servers, r["deliveries"], r["deliveries_per_second"], r["p50_us"],
                                  r["delivery_p50_us"], r.get("remote_delivery_p50_us", 0), ticks)))
PY
  echo "bench-redis: run $run, chat with $clients clients through $servers server(s) done" >&2
}

for run in $(seq "$RUNS"); do
  crawl "$run" 0
  for workers in $WORKERS; do crawl "$run" "$workers"; done
  for clients in $CLIENTS; do
    chat "$run" "$clients" 1
    chat "$run" "$clients" 2
  done
done

python3 - "$rows" "$chat_rows" "$RUNS" "$URLS" "$CONCURRENCY" "$latency_ms" "$clk_tck" <<'PY'
import statistics, sys
crawl_path, chat_path = sys.argv[1:3]
runs, urls, concurrency, latency_ms, clk_tck = (int(v) for v in sys.argv[3:])

crawl = {}
for line in open(crawl_path):
    run, workers, wall_us, trips, printed, cpu0 = (int(v) for v in line.split("\t"))
    crawl.setdefault(workers, []).append((wall_us / 1e6, trips, printed, cpu0 * 1e6 / clk_tck / urls))
print(f"crawl frontier: {urls} URLs, origin answering after {latency_ms} ms, -c {concurrency} per worker; "
      f"workers and redis-server on CPU 0, origin on CPU 1; medians of {runs} interleaved runs\n")
print("| workers | fetches at once | ideal s | wall s | wall / ideal | wall s, each run | CPU 0 µs / URL | redis round trips / URL | results printed |")
print("|---|---:|---:|---:|---:|---|---:|---:|---:|")
for workers, values in sorted(crawl.items()):
    ideal = urls / (max(workers, 1) * concurrency) * latency_ms / 1000
    wall = statistics.median(v[0] for v in values)
    trips = f"{statistics.median(v[1] for v in values) / urls:.2f}" if workers else "-"
    printed = statistics.median(v[2] for v in values)
    cpu = statistics.median(v[3] for v in values)
    label = "1, no queue (URL file)" if workers == 0 else str(workers)
    each = ", ".join(f"{v[0]:.2f}" for v in values)
    print(f"| {label} | {max(workers, 1) * concurrency} | {ideal:.2f} | {wall:.2f} | {wall / ideal:.2f}x | {each} | {cpu:.0f} | {trips} | {printed:.0f} |")

chat = {}
for line in open(chat_path):
    run, clients, servers, deliveries, dps, p50, delivery, remote, ticks = line.split("\t")
    cpu = int(ticks) * 1e6 / clk_tck / int(deliveries)
    chat.setdefault((int(clients), int(servers)), []).append((float(dps), float(p50), float(delivery), float(remote), cpu))
med = {key: [statistics.median(v[i] for v in values) for i in range(5)] for key, values in chat.items()}
print(f"\nchat: closed-loop broadcast, one plain `greenlet chat` vs two `greenlet chat --redis` in one room "
      f"(users dealt round-robin); servers and redis-server on CPU 0, load on CPU 1; medians of {runs} interleaved runs. "
      f"Latencies are p50: a sender's wait for its own line, every delivery's wait from sending, "
      f"and that of the deliveries between users of different servers\n")
print("| clients | servers | deliveries/s | sender p50 µs | delivery p50 µs | between servers p50 µs | server CPU µs/delivery |")
print("|---:|---|---:|---:|---:|---:|---:|")
for (clients, servers), m in sorted(med.items()):
    label = "1, plain" if servers == 1 else "2, one room in redis"
    remote = f"{m[3]:.0f}" if servers > 1 else "-"
    print(f"| {clients} | {label} | {m[0]:.0f} | {m[1]:.0f} | {m[2]:.0f} | {remote} | {m[4]:.2f} |")
print("\n| clients | two/one deliveries/s | delivery p50 added µs | between servers p50 added µs | two/one CPU per delivery |")
print("|---:|---:|---:|---:|---:|")
for clients in sorted({c for c, _ in med}):
    one, two = med[(clients, 1)], med[(clients, 2)]
    print(f"| {clients} | {two[0] / one[0]:.2f}x | {two[2] - one[2]:+.0f} | {two[3] - one[2]:+.0f} | {two[4] / one[4]:.2f}x |")
PY
