#!/usr/bin/env bash
# Instructions per switch and per spawn+join, counted by callgrind: exact on a noisy
# machine, and comparable before and after a change. Runs `greenlet bench spawn --only
# FIGURE` at COUNT and at 2 x COUNT; the difference, divided by COUNT, is what one unit
# costs with start-up and exit taken out. Prints the totals and the functions that cost
# the most instructions of their own per unit.
#
#   Scripts/count-instructions.sh                 (builds the release binary first)
#   GREENLET_BIN=path COUNT=20000 TOP=30 Scripts/count-instructions.sh
#
# A round trip is two switches (two green threads handing a value back and forth
# through a pair of one-item Queues). The task_ figures are the same for bare Swift tasks
# on a hub (bare continuations, `Task.value`): the runtime's floor under each. Needs
# valgrind (Debian's `valgrind`, installed on first use). Takes about two minutes.
set -euo pipefail
# shellcheck source=Scripts/bench-lib.sh
source "$(dirname "$0")/bench-lib.sh"  # absolute_greenlet_bin, greenlet_binary, apt_install
absolute_greenlet_bin
cd "$(dirname "$0")/.."

die() { echo "count-instructions: $*" >&2; exit 1; }

COUNT=${COUNT:-20000}
TOP=${TOP:-20}
GREENLET_BIN=$(greenlet_binary)
command -v valgrind >/dev/null 2>&1 || apt_install valgrind

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

for figure in switch_ns spawn_join_ns task_switch_ns task_spawn_join_ns; do
  for count in "$COUNT" $((2 * COUNT)); do
    timeout 900 valgrind --tool=callgrind --callgrind-out-file="$work/$figure.$count.out" \
      "$GREENLET_BIN" bench spawn --count "$count" --os-threads 1 --processes 0 --only "$figure" --json \
      >/dev/null 2>"$work/valgrind.err" || die "valgrind on bench spawn --only $figure failed: $(tail -c 500 "$work/valgrind.err")"
    callgrind_annotate --auto=no --threshold=100 "$work/$figure.$count.out" >"$work/$figure.$count.txt" 2>/dev/null
  done
  echo "count-instructions: $figure done" >&2
done

python3 - "$work" "$COUNT" "$TOP" <<'PY'
import re, sys
work, count, top = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
line_re = re.compile(r"^\s*([\d,]+)\s+\(\s*[\d.]+%\)\s+(.*)$")

def costs(path):
    """Instructions of each function's own (exclusive), by name, and the program total."""
    own, total = {}, 0
    for line in open(path):
        match = line_re.match(line)
        if not match:
            continue
        ir, name = int(match.group(1).replace(",", "")), match.group(2)
        if name.startswith("PROGRAM TOTALS"):
            total = ir
            continue
        name = re.sub(r"\s*\[/.*$", "", name)   # the object file
        name = name.split(":", 1)[1] if ":" in name else name   # the source file
        own[name] = own.get(name, 0) + ir
    return own, total

for figure, unit in (("switch_ns", "round trip (2 switches)"), ("spawn_join_ns", "spawn+join"),
                     ("task_switch_ns", "round trip (2 switches)"), ("task_spawn_join_ns", "spawn+join")):
    small, small_total = costs(f"{work}/{figure}.{count}.txt")
    large, large_total = costs(f"{work}/{figure}.{2 * count}.txt")
    per_unit = (large_total - small_total) / count
    print(f"### {figure}: {per_unit:,.0f} instructions per {unit}"
          + (f", {per_unit / 2:,.0f} per switch" if figure.endswith("switch_ns") else "") + "\n")
    print("| instructions per unit | function (own instructions) |")
    print("|---:|---|")
    delta = {name: (large.get(name, 0) - small.get(name, 0)) / count for name in set(small) | set(large)}
    for name, cost in sorted(delta.items(), key=lambda item: -item[1])[:top]:
        print(f"| {cost:,.0f} | `{name[:120]}` |")
    print()
PY
