#!/usr/bin/env bash
# Runs greenlet's built-in benchmarks at sizes that show how each execution model scales,
# and writes docs/benchmarks.md (machine, commands, tables) with PNG plots: the record of
# a run on a named machine, committed on purpose.
#
#   Scripts/bench.sh                      # full sizes, a few minutes; writes docs/
#   Scripts/bench.sh --quick              # tiny sizes, seconds (what the tests run)
#   Scripts/bench.sh --out DIR            # write DIR/benchmarks.md and DIR/*.png instead
#   GREENLET_BIN=/path/to/greenlet Scripts/bench.sh   # skip swift build
#
# Sizes: crawl at 100, 1,000 and 5,000 URLs (origin answering after 100 ms, concurrency
# up to 1,000; sequential only at 100), echo at 10, 100 and 1,000 connections (a process
# per connection only up to 100), spawn once. gnuplot (gnuplot-nox) comes from apt-get
# when missing. Loopback only; every run is bounded by `timeout`.
set -euo pipefail

# shellcheck source=Scripts/bench-lib.sh
source "$(dirname "$0")/bench-lib.sh"  # absolute_greenlet_bin, greenlet_binary, apt_install
absolute_greenlet_bin

quick=false
out=""
while [ $# -gt 0 ]; do
  case $1 in
    --quick) quick=true ;;
    --out) out=${2:?--out needs a directory}; shift ;;
    *) echo "bench: unknown argument $1 (use --quick, --out DIR)" >&2; exit 64 ;;
  esac
  shift
done
[ -n "$out" ] && out=$(realpath -m -- "$out")
cd "$(dirname "$0")/.."
out=${out:-docs}
mkdir -p "$out"

die() { echo "bench: $*" >&2; exit 1; }

command -v gnuplot >/dev/null || apt_install gnuplot-nox
trap 'exit 130' INT TERM

greenlet=$(greenlet_binary)
[ -x "$greenlet" ] || die "greenlet binary not found at $greenlet"

if $quick; then
  crawl_sizes="20 50"; latency=20; echo_sizes="5 10"; messages=50; spawn_args="--count 10000 --os-threads 100 --processes 5"
else
  crawl_sizes="100 1000 5000"; latency=100; echo_sizes="10 100 1000"; messages=1000; spawn_args="--count 100000 --os-threads 1000 --processes 20"
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
commands=()
run() {  # run NAME ARGS...: greenlet ARGS --json into $work/NAME.json, bounded
  local name=$1; shift
  commands+=("greenlet $*")
  echo "bench: greenlet $*" >&2
  timeout -k 5 600 "$greenlet" "$@" --json >"$work/$name.json" || die "greenlet $* failed"
}

for n in $crawl_sizes; do
  modes=(--mode threads --mode processes --mode green)
  [ "$n" = "${crawl_sizes%% *}" ] && modes=(--mode sequential "${modes[@]}")
  c=$((n < 1000 ? n : 1000))
  run "crawl-$n" bench crawl --requests "$n" --latency "$latency" --concurrency "$c" "${modes[@]}"
done
for n in $echo_sizes; do
  modes=(--mode threads --mode green)
  [ "$n" -le 100 ] && modes=(--mode threads --mode processes --mode green)
  run "echo-$n" bench echo --connections "$n" --messages "$messages" "${modes[@]}"
done
# shellcheck disable=SC2086  # the arguments are meant to split
run spawn bench spawn $spawn_args

printf '%s\n' "${commands[@]}" >"$work/commands.txt"
python3 - "$work" "$out" "$quick" <<'PY'
import glob, json, math, os, platform, subprocess, sys
work, out, quick = sys.argv[1], sys.argv[2], sys.argv[3] == "true"
docs = {os.path.basename(p)[:-5]: json.load(open(p)) for p in glob.glob(f"{work}/*.json")}
def size(name): return int(name.split("-")[1])
crawl = sorted((n for n in docs if n.startswith("crawl-")), key=size)
echo = sorted((n for n in docs if n.startswith("echo-")), key=size)

def series(names, figure):
    lines = {}
    for name in names:
        for row in docs[name]["results"]:
            lines.setdefault(row["mode"], []).append((size(name), row[figure]))
    return lines

listed = subprocess.run(["gnuplot", "-e", "set terminal"], capture_output=True, text=True)
terminal = "pngcairo" if "pngcairo" in listed.stdout + listed.stderr else "png"

# One colour and point shape per mode in every plot (Okabe-Ito colours, told apart in
# grey too), drawn in the same order, so a mode looks the same on every page.
styles = {"sequential": ("#555555", 9), "threads": ("#0072B2", 5), "processes": ("#E69F00", 7), "green": ("#009E73", 13)}

def plot(png, title, xlabel, ylabel, lines):
    data = f"{work}/{png}.dat"
    modes = sorted(lines, key=lambda m: list(styles).index(m) if m in styles else len(styles))
    with open(data, "w") as f:
        for mode in modes:
            f.write(f'"{mode}"\n' + "".join(f"{x} {y}\n" for x, y in lines[mode]) + "\n\n")
    # Ranges with a margin on both log axes: a point at the smallest or largest value (the
    # one sequential run) must not sit on the border.
    xs = [x for points in lines.values() for x, _ in points]
    ys = [y for points in lines.values() for _, y in points if y > 0]
    # Labelled ticks at 1, 2 and 5 of every decade: a range narrower than a decade would
    # otherwise carry one number or none.
    ylo, yhi = min(ys) / 2, max(ys) * 2
    decades = range(math.floor(math.log10(ylo)), math.ceil(math.log10(yhi)) + 1)
    ticks = [m * 10.0 ** k for k in decades for m in (1, 2, 5) if ylo <= m * 10.0 ** k <= yhi]
    def label(v):
        return f"{v / 1e6:g}M" if v >= 1e6 else f"{v / 1e3:g}k" if v >= 1e3 else f"{v:g}"
    def style(mode):
        colour, shape = styles.get(mode, ("#CC79A7", 11))
        return f'lw 2 pt {shape} ps 1.6 lc rgb "{colour}"'
    script = "\n".join([
        f"set terminal {terminal} size 860,480",
        f'set output "{out}/{png}.png"', f'set title "{title}"', f'set xlabel "{xlabel}"', f'set ylabel "{ylabel}"',
        "set logscale x", "set logscale y", "set key outside right top", "set grid",
        f"set xrange [{min(xs) / 1.6}:{max(xs) * 1.6}]", f"set yrange [{ylo}:{yhi}]",
        "set ytics (" + ", ".join(f'"{label(v)}" {v}' for v in ticks) + ")",
        "plot " + ", ".join(f'"{data}" index {i} with linespoints {style(mode)} title columnheader(1)' for i, mode in enumerate(modes)),
    ])
    subprocess.run(["gnuplot"], input=script, text=True, check=True)

plot("bench-crawl", "crawl: wall time, origin answering after a fixed latency", "URLs", "seconds", series(crawl, "seconds"))
plot("bench-echo", "echo: round trips per second", "connections", "round trips/s", series(echo, "round_trips_per_second"))

def table(doc):
    keys = [k for k in doc["results"][0] if k != "mode"]
    head = "| mode | " + " | ".join(keys) + " |\n|---|" + "---:|" * len(keys) + "\n"
    fmt = lambda v: f"{v:.0f}" if abs(v) >= 100 or float(v).is_integer() else f"{v:.2f}"
    return head + "".join("| " + r["mode"] + " | " + " | ".join(fmt(r[k]) if isinstance(r.get(k), (int, float)) else "-" for k in keys) + " |\n" for r in doc["results"])

cpu = next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")), "unknown CPU")
try:
    swift = subprocess.run(["swift", "--version"], capture_output=True, text=True).stdout.splitlines()
except OSError:  # a machine with the binary but no toolchain
    swift = []
page = ["# Benchmarks", "",
        "The record of one run of `Scripts/bench.sh`" + (" --quick" if quick else "") + ", written by the script. Numbers from a shared virtual machine move by tens of percent from run to run: compare the models within one run, not across runs.", "",
        f"Machine: {os.cpu_count()} CPUs ({cpu}), Linux {platform.release()}, {swift[0] if swift else 'Swift'}.", "",
        "Commands:", "", "```sh"] + open(f"{work}/commands.txt").read().splitlines() + ["```", "",
        "## crawl", "", "Wall time to fetch every URL from a local origin that answers each request after the given latency; the ideal is URLs / concurrency x latency.", "",
        "![crawl](bench-crawl.png)", ""]
for name in crawl:
    p = docs[name]["parameters"]
    page += [f"### {p['requests']} URLs, {p['latency_ms']} ms latency, concurrency {p['concurrency']}", "", table(docs[name])]
page += ["## echo", "", "Closed-loop 64-byte ping-pong, every byte checked, through a server with a thread per connection, a process per connection and green threads.", "",
         "![echo](bench-echo.png)", ""]
for name in echo:
    p = docs[name]["parameters"]
    page += [f"### {p['connections']} connections x {p['messages']} round trips", "", table(docs[name])]
page += ["## spawn", "", "Spawn+join, one switch, and memory per parked unit: green threads, OS threads, OS processes.", "", table(docs["spawn"])]
# The records other scripts (bench-redis.sh, bench-redis-client.sh) keep at the end of the
# page stay as they are.
kept = "\n## Other scripts' records\n"
try:
    previous = open(f"{out}/benchmarks.md").read()
    if kept in previous:
        page += ["", previous[previous.index(kept) + 1:].rstrip("\n")]
except FileNotFoundError:
    pass
open(f"{out}/benchmarks.md", "w").write("\n".join(page).rstrip("\n") + "\n")
print(f"bench: wrote {out}/benchmarks.md, {out}/bench-crawl.png, {out}/bench-echo.png", file=sys.stderr)
PY
