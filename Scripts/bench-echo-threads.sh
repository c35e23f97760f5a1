#!/usr/bin/env bash
# `greenlet echo --threads 2` against `--threads 1`: the same closed-loop load
# (`greenlet bench echo`, 100 connections, 64 B) through a server on one hub and on two,
# interleaved RUNS times, unpinned: server and load client share the machine's cores.
# Prints the median round trips/s and server CPU µs per round trip of each.
#   Scripts/bench-echo-threads.sh            (builds the release binary first)
#   GREENLET_BIN=path RUNS=5 MESSAGES=5000 Scripts/bench-echo-threads.sh
set -euo pipefail
# shellcheck source=Scripts/bench-lib.sh
source "$(dirname "$0")/bench-lib.sh"  # absolute_greenlet_bin, greenlet_binary
absolute_greenlet_bin
cd "$(dirname "$0")/.."

RUNS=${RUNS:-3}
MESSAGES=${MESSAGES:-5000}
CONNECTIONS=${CONNECTIONS:-100}
GREENLET_BIN=$(greenlet_binary)

results=$(mktemp)
trap 'rm -f "$results"' EXIT
for run in $(seq "$RUNS"); do
  for threads in 1 2; do
    timeout 300 "$GREENLET_BIN" bench echo --connections "$CONNECTIONS" --messages "$MESSAGES" \
      --threads "$threads" --json >> "$results"
  done
  echo "bench-echo-threads: run $run done" >&2
done

python3 - "$results" <<'PY'
import json, statistics, sys
runs = [json.loads(line) for line in open(sys.argv[1]) if line.strip()]
figures = ["round_trips_per_second", "server_cpu_us_per_round_trip", "p50_us", "p99_us"]
print(f"| server (median of {len(runs) // 2} runs) | " + " | ".join(figures) + " |")
print("|---|" + "---:|" * len(figures))
medians = {}
for threads in (1, 2):
    rows = [next(x for x in r["results"] if x["mode"] == "green") for r in runs if r["parameters"]["threads"] == threads]
    medians[threads] = {f: statistics.median(row[f] for row in rows) for f in figures}
    print(f"| --threads {threads} | " + " | ".join(f"{medians[threads][f]:.1f}" for f in figures) + " |")
ratio = lambda f: medians[2][f] / medians[1][f]
print(f"\n--threads 2 / --threads 1: round trips/s {ratio('round_trips_per_second'):.2f}x, "
      f"server CPU per round trip {ratio('server_cpu_us_per_round_trip'):.2f}x")
PY
