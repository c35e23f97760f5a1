#!/usr/bin/env bash
# What a green thread costs, next to the fastest green threads there are: spawn+join,
# one switch (a value handed back and forth between two threads), resident-set growth
# per parked thread. The same three figures, each COUNT in COUNTS, from
#
#   greenlet     `greenlet bench spawn` (its OS-thread row too, at 1,000 threads, and its
#                bare Swift tasks on a hub: the runtime's floor under every green thread)
#   greenlet-base the same binary built from another commit (GREENLET_BASE_BIN), to show
#                a change before and after in one run
#   py-greenlet  Python's greenlet, C stack switching (Scripts/spawn-peers/spawn_greenlets.py)
#   go           goroutines with GOMAXPROCS=1 (Scripts/spawn-peers/spawn.go)
#   gevent       gevent's spawn, joinall and Queues (the same Python script)
#
# every contender pinned to CPU 0, interleaved, RUNS runs; prints the medians and
# greenlet's ratio to each peer (below 1.00x: greenlet is cheaper).
#
#   Scripts/bench-spawn.sh            (builds the release binary first)
#   GREENLET_BIN=path RUNS=5 COUNTS="100000 1000000" Scripts/bench-spawn.sh
#   CONTENDERS="greenlet go" Scripts/bench-spawn.sh
#   GREENLET_BASE_BIN=old/greenlet CONTENDERS="greenlet greenlet-base" Scripts/bench-spawn.sh
#
# Go comes from Debian's golang-go, Python's greenlet and gevent from PyPI into
# .build-venv, both installed on first use. A million parked gevent greenlets take
# about 8 GB. Every run is bounded in time.
set -euo pipefail
# shellcheck source=Scripts/bench-lib.sh
source "$(dirname "$0")/bench-lib.sh"  # absolute_greenlet_bin, greenlet_binary, gevent_python, go_peer, run_bounded, stop_bounded
absolute_greenlet_bin
cd "$(dirname "$0")/.."

die() { echo "bench-spawn: $*" >&2; exit 1; }

RUNS=${RUNS:-3}
COUNTS=${COUNTS:-100000 1000000}
CONTENDERS=${CONTENDERS:-greenlet py-greenlet go gevent}
GREENLET_BIN=$(greenlet_binary)

work=$(mktemp -d)
trap 'stop_bounded; rm -rf "$work"' EXIT
trap 'exit 130' INT TERM

case " $CONTENDERS " in *" go "*) go_peer "$work/spawn-go" Scripts/spawn-peers/spawn.go ;; esac
case " $CONTENDERS " in *" py-greenlet "* | *" gevent "*)
  python=$(gevent_python) || die "no Python with gevent and greenlet"
esac

rows=$work/rows.jsonl
: >"$rows"
for run in $(seq "$RUNS"); do
  for count in $COUNTS; do
    for contender in $CONTENDERS; do
      case $contender in
        greenlet) command=("$GREENLET_BIN" bench spawn --count "$count" --os-threads 1000 --processes 0 --json) ;;
        greenlet-base)
          [[ -x ${GREENLET_BASE_BIN:-} ]] || die "greenlet-base needs GREENLET_BASE_BIN, a greenlet binary"
          command=("$GREENLET_BASE_BIN" bench spawn --count "$count" --os-threads 1 --processes 0 --only spawn_join_ns --only switch_ns --only bytes_per_parked --json) ;;
        py-greenlet) command=("$python" Scripts/spawn-peers/spawn_greenlets.py greenlet "$count") ;;
        gevent) command=("$python" Scripts/spawn-peers/spawn_greenlets.py gevent "$count") ;;
        go) command=("$work/spawn-go" -count "$count") ;;
        *) die "unknown contender '$contender' (greenlet, greenlet-base, py-greenlet, go, gevent)" ;;
      esac
      run_bounded "$contender, $count (run $run)" 900 "$work/out.json" "$work/err" taskset -c 0 "${command[@]}"
      python3 - "$contender" "$run" "$work/out.json" >>"$rows" <<'PY'
import json, sys
contender, run = sys.argv[1], int(sys.argv[2])
report = json.load(open(sys.argv[3]))
figures = ("spawn_join_ns", "switch_ns", "bytes_per_parked")
if contender == "greenlet-base":
    row = next(row for row in report["results"] if row["mode"] == "green")
    print(json.dumps({"contender": contender, "count": report["parameters"]["count"], "unit_count": row["count"], "run": run,
                      **{f: row[f] for f in figures}}))
elif contender == "greenlet":
    for row in report["results"]:
        name = {"green": "greenlet", "threads": "OS threads", "swift-task": "swift task"}.get(row["mode"], row["mode"])
        print(json.dumps({"contender": name, "count": report["parameters"]["count"], "unit_count": row["count"], "run": run,
                          **{f: row[f] for f in figures}}))
else:
    print(json.dumps({"contender": contender, "count": report["count"], "unit_count": report["count"], "run": run,
                      **{f: report[f] for f in figures}}))
PY
      echo "bench-spawn: run $run, $contender, $count done" >&2
    done
  done
done

python3 - "$rows" "$RUNS" <<'PY'
import json, statistics, sys
rows = [json.loads(line) for line in open(sys.argv[1])]
runs = int(sys.argv[2])
figures = [("spawn_join_ns", "spawn+join ns"), ("switch_ns", "switch ns"), ("bytes_per_parked", "bytes per parked")]
order = ["greenlet", "greenlet-base", "swift task", "py-greenlet", "go", "gevent", "OS threads"]
print(f"spawn: medians of {runs} interleaved runs, each contender pinned to CPU 0\n")
for count in sorted({r["count"] for r in rows}):
    at = [r for r in rows if r["count"] == count]
    names = [n for n in order if any(r["contender"] == n for r in at)]
    median = {(n, f): statistics.median(r[f] for r in at if r["contender"] == n) for n in names for f, _ in figures}
    print(f"### {count:,} spawned, round trips, parked\n")
    print("| contender | threads | " + " | ".join(label for _, label in figures) + " | each run, spawn+join / switch ns |")
    print("|---|---:|" + "---:|" * len(figures) + "---|")
    for n in names:
        mine = sorted((r for r in at if r["contender"] == n), key=lambda r: r["run"])
        each = ", ".join(f"{r['spawn_join_ns']:.0f} / {r['switch_ns']:.0f}" for r in mine)
        print(f"| {n} | {mine[0]['unit_count']:,} | " + " | ".join(f"{median[(n, f)]:,.0f}" for f, _ in figures) + f" | {each} |")
    if "greenlet" in names:
        peers = [n for n in names if n not in ("greenlet", "OS threads")]
        if peers:
            print("\n| greenlet / peer | " + " | ".join(label for _, label in figures) + " |")
            print("|---|" + "---:|" * len(figures))
            for n in peers:
                print(f"| greenlet / {n} | " + " | ".join(f"{median[('greenlet', f)] / median[(n, f)]:.2f}x" for f, _ in figures) + " |")
    print()
PY
