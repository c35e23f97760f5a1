#!/usr/bin/env bash
# What a green thread costs next to an OS thread: spawn+join, one switch, memory per
# parked thread. Runs `greenlet bench spawn` RUNS times pinned to one core and prints
# the median of each figure.
#   Scripts/bench-spawn.sh            (builds the release binary first)
#   GREENLET_BIN=path RUNS=5 COUNT=100000 Scripts/bench-spawn.sh
set -euo pipefail
# shellcheck source=Scripts/bench-lib.sh
source "$(dirname "$0")/bench-lib.sh"  # absolute_greenlet_bin, greenlet_binary
absolute_greenlet_bin
cd "$(dirname "$0")/.."

RUNS=${RUNS:-3}
COUNT=${COUNT:-100000}
GREENLET_BIN=$(greenlet_binary)

results=$(mktemp)
trap 'rm -f "$results"' EXIT
for run in $(seq "$RUNS"); do
  timeout 300 taskset -c 0 "$GREENLET_BIN" bench spawn --count "$COUNT" --json >> "$results"
  echo "bench-spawn: run $run done" >&2
done

python3 - "$results" <<'PY'
import json, statistics, sys
runs = [json.loads(line) for line in open(sys.argv[1]) if line.strip()]
figures = ["spawn_join_ns", "switch_ns", "bytes_per_parked"]
print(f"| mode (median of {len(runs)} runs) | count | " + " | ".join(figures) + " |")
print("|---|---:|" + "---:|" * len(figures))
for mode in [r["mode"] for r in runs[0]["results"]]:
    rows = [next(r for r in run["results"] if r["mode"] == mode) for run in runs]
    cells = [f"{statistics.median(row[f] for row in rows):.0f}" for f in figures]
    print(f"| {mode} | {rows[0]['count']} | " + " | ".join(cells) + " |")
PY
