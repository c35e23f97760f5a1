#!/usr/bin/env bash
# Compares `greenlet serve-http` with nginx (one worker process, sendfile on)
# serving the same directory of a 1 KiB and a 1 MiB file, in one interleaved
# run so both see the same machine conditions.
#
# Each server is pinned to CPU 0 and the load (`wrk -t1 -cCONNECTIONS`) to
# CPU 1; server CPU is utime+stime from /proc/PID/stat around each load (for
# nginx, master plus worker). Prints the median requests/s and server CPU µs
# per request of each, and the greenlet/nginx ratios. Warns when wrk saw
# socket errors or non-2xx answers, and when other processes or steal took
# more than a tenth of CPU 0 or 1 during a load.
#
#   Scripts/bench-http.sh
#   RUNS=5 DURATION=10s CONNECTIONS=100 Scripts/bench-http.sh
#   GREENLET_BIN=/path/to/greenlet Scripts/bench-http.sh   # skip swift build
#   SERVERS=nginx Scripts/bench-http.sh                     # one side only
#
# Installs nginx and wrk with apt-get when missing (sudo when not root); the
# system nginx service is not started: nginx runs from a generated config in
# a temporary directory. Needs Linux, two or more CPUs, taskset, python3.
# Loopback only.
set -euo pipefail

# shellcheck source=Scripts/bench-lib.sh
source "$(dirname "$0")/bench-lib.sh"  # absolute_greenlet_bin, greenlet_binary, stop_pid, cpu_ticks, cpu01_ticks, start_server, run_bounded, stop_bounded, apt_install
absolute_greenlet_bin
cd "$(dirname "$0")/.."
# nginx lives in /usr/sbin, which is not on every user's PATH.
PATH=$PATH:/usr/local/sbin:/usr/sbin:/sbin

RUNS=${RUNS:-3}
DURATION=${DURATION:-5s}
CONNECTIONS=${CONNECTIONS:-100}
SERVERS=${SERVERS:-greenlet nginx}

die() { echo "bench-http: $*" >&2; exit 1; }

for v in RUNS CONNECTIONS; do
  [[ ${!v} =~ ^[1-9][0-9]*$ ]] || die "$v must be a positive integer (got '${!v}')"
done
[[ $DURATION =~ ^([1-9][0-9]*)(s|m)?$ ]] || die "DURATION must be seconds like 5 or 5s, or minutes like 1m (got '$DURATION')"
duration_s=${BASH_REMATCH[1]}
[ "${BASH_REMATCH[2]}" = m ] && duration_s=$((duration_s * 60))
servers=()
for s in greenlet nginx; do [[ " $SERVERS " == *" $s "* ]] && servers+=("$s"); done
for s in $SERVERS; do [[ $s == greenlet || $s == nginx ]] || die "SERVERS lists greenlet and/or nginx (got '$SERVERS')"; done
[ ${#servers[@]} -ge 1 ] || die "SERVERS lists greenlet and/or nginx (got '$SERVERS')"
serving() { [[ " ${servers[*]} " == *" $1 "* ]]; }
[ "$(nproc --all)" -ge 2 ] || die "needs at least two CPUs (server on 0, load on 1)"
for tool in taskset python3 timeout getconf; do
  command -v "$tool" >/dev/null || die "$tool not found"
done

# nginx and wrk, from apt when missing.
missing=()
if serving nginx; then command -v nginx >/dev/null || missing+=(nginx); fi
command -v wrk >/dev/null || missing+=(wrk)
if [ ${#missing[@]} -gt 0 ]; then
  # Debian starts the nginx service on install unless policy-rc.d forbids it;
  # that instance (port 80) is left alone and plays no part here.
  apt_install "${missing[@]}"
  for tool in "${missing[@]}"; do command -v "$tool" >/dev/null || die "$tool still not found after install"; done
fi

greenlet=""
if serving greenlet; then greenlet=$(greenlet_binary); fi
[ -z "$greenlet" ] || [ -x "$greenlet" ] || die "greenlet binary not found at $greenlet"

clk_tck=$(getconf CLK_TCK)
work=$(mktemp -d)
greenlet_pid=""
nginx_pid=""

cleanup() {
  stop_bounded
  stop_pid "$greenlet_pid"
  greenlet_pid=""
  # nginx's master stops its worker on SIGTERM; a worker left behind by a
  # master that had to be killed is stopped by its recorded pid.
  stop_pid "$nginx_pid"
  nginx_pid=""
  [ -n "${nginx_worker:-}" ] && kill -KILL "$nginx_worker" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM


# Pids whose parent is $1.
children_of() {
  local stat rest
  local -a f
  for s in /proc/[0-9]*/stat; do
    { stat=$(<"$s"); } 2>/dev/null || continue
    rest=${stat##*) }
    read -ra f <<<"$rest"
    [ "${f[1]}" = "$1" ] && echo "${s//[^0-9]/}"
  done
  return 0
}

# Dies unless process $1 ($2 names it) may run on CPU 0 only.
check_pinned() {
  local allowed
  allowed=$(awk '/^Cpus_allowed_list:/ {print $2}' "/proc/$1/status")
  [ "$allowed" = 0 ] || die "$2 (pid $1) runs on CPUs '$allowed', not CPU 0 alone"
}

free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# The docroot: world-readable so that an nginx worker running as an
# unprivileged user (nginx started as root) can read it.
docroot=$work/www
mkdir -p "$docroot"
chmod 755 "$work" "$docroot"
files=(1k.bin 1m.bin)
head -c 1024 /dev/urandom >"$docroot/1k.bin"
head -c 1048576 /dev/urandom >"$docroot/1m.bin"
chmod 644 "$docroot"/*

# Prints a command line, quoting the words that hold spaces.
show_cmd() {
  local out="" w
  for w in "$@"; do
    [[ $w == *" "* ]] && w="'$w'"
    out+="${out:+ }$w"
  done
  echo "$out"
}

# --- greenlet, started once; its port comes from the first stdout line.
greenlet_port=""
start_greenlet() {
  greenlet_cmd=(taskset -c 0 "$greenlet" serve-http --host 127.0.0.1 --port 0 --root "$docroot" --quiet)
  start_server "${greenlet_cmd[@]:3}"
  greenlet_pid=$server_pid
  greenlet_port=$port
  server_pid=""
  check_pinned "$greenlet_pid" "greenlet serve-http"
}

# --- nginx, one worker; taskset pins the master before it starts, and the
# worker it forks inherits the mask.
ngx=$work/nginx
nginx_port=""
nginx_worker=""
write_nginx_conf() {
  cat >"$ngx/nginx.conf" <<EOF
worker_processes 1;
pid $ngx/nginx.pid;
error_log $ngx/error.log warn;
events {
    worker_connections 4096;
}
http {
    default_type application/octet-stream;
    sendfile on;
    tcp_nopush off;
    access_log off;
    client_body_temp_path $ngx/client_body;
    proxy_temp_path $ngx/proxy;
    fastcgi_temp_path $ngx/fastcgi;
    uwsgi_temp_path $ngx/uwsgi;
    scgi_temp_path $ngx/scgi;
    server {
        listen 127.0.0.1:$1;
        root $docroot;
    }
}
EOF
}
start_nginx() {
  mkdir -p "$ngx"
  nginx_cmd=(taskset -c 0 "$(command -v nginx)" -p "$ngx/" -e "$ngx/error.log" -c "$ngx/nginx.conf" -g 'daemon off;')
  # A port picked free may be taken before nginx binds it: try a few.
  for _ in 1 2 3 4 5; do
    port=$(free_port)
    write_nginx_conf "$port"
    : >"$ngx/error.log"
    "${nginx_cmd[@]}" >"$ngx/stdout" 2>&1 &
    nginx_pid=$!
    # Up to 10 s for the port to accept connections.
    for _ in $(seq 100); do
      kill -0 "$nginx_pid" 2>/dev/null || break
      (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && { nginx_port=$port; break; }
      sleep 0.1
    done
    [ -n "$nginx_port" ] && break
    stop_pid "$nginx_pid"
    nginx_pid=""
    grep -q 'Address already in use' "$ngx/error.log" ||
      die "nginx did not start: $(head -c 800 "$ngx/error.log") $(head -c 300 "$ngx/stdout")"
  done
  [ -n "$nginx_port" ] || die "nginx found no free port in 5 tries"
  local -a kids=()
  for _ in $(seq 50); do
    mapfile -t kids < <(children_of "$nginx_pid")
    [ ${#kids[@]} -ge 1 ] && break
    sleep 0.1
  done
  [ ${#kids[@]} -eq 1 ] || die "expected one nginx worker under master $nginx_pid, found ${#kids[@]}"
  nginx_worker=${kids[0]}
  check_pinned "$nginx_pid" "nginx master"
  check_pinned "$nginx_worker" "nginx worker"
}

serving greenlet && start_greenlet
serving nginx && start_nginx

# Both servers must return every file whole before any figure counts.
timeout 60 python3 - "$docroot" "$greenlet_port" "$nginx_port" "${files[@]}" <<'PY' || die "a server did not serve the docroot correctly"
import sys, urllib.request
root, gport, nport, *files = sys.argv[1:]
for who, port in (("greenlet", gport), ("nginx", nport)):
    if not port:
        continue
    for name in files:
        want = open(f"{root}/{name}", "rb").read()
        url = f"http://127.0.0.1:{port}/{name}"
        with urllib.request.urlopen(url, timeout=10) as r:
            got = r.read()
            if r.status != 200 or got != want:
                sys.exit(f"bench-http: {who} {url}: status {r.status}, {len(got)} bytes, want 200 and {len(want)} bytes")
PY

wrk_cmd() { # file port
  echo taskset -c 1 wrk -t1 "-c$CONNECTIONS" "-d$DURATION" "http://127.0.0.1:$2/$1"
}

# Server CPU ticks: all of greenlet (one process, all threads); nginx master + worker.
server_ticks() {
  case $1 in
    greenlet) cpu_ticks "$greenlet_pid" ;;
    nginx) echo $(($(cpu_ticks "$nginx_pid") + $(cpu_ticks "$nginx_worker"))) ;;
  esac
}

rows=$work/rows.tsv
: >"$rows"
warnings=$work/warnings
: >"$warnings"
echo "bench-http: $RUNS runs x (${files[*]}) x (${servers[*]}), wrk -t1 -c$CONNECTIONS -d$DURATION;" \
  "${greenlet_port:+greenlet on port $greenlet_port }${nginx_port:+nginx on port $nginx_port}" >&2

for run in $(seq "$RUNS"); do
  for i in "${!files[@]}"; do
    file=${files[$i]}
    # Alternate which server goes first so neither always follows the other.
    order=("${servers[@]}")
    if (((run + i) % 2)) && [ ${#servers[@]} -eq 2 ]; then order=(nginx greenlet); fi
    for contender in "${order[@]}"; do
      case $contender in
        greenlet) port=$greenlet_port ;;
        nginx) port=$nginx_port ;;
      esac
      read -ra load <<<"$(wrk_cmd "$file" "$port")"
      before=$(server_ticks "$contender")
      read -r cpu0_before steal0_before cpu1_before steal1_before < <(cpu01_ticks)
      times >"$work/times.before"
      run_bounded "wrk against $contender /$file (run $run)" $((duration_s + 60)) "$work/wrk.out" "$work/wrk.err" "${load[@]}"
      times >"$work/times.after"
      [ -z "$greenlet_pid" ] || kill -0 "$greenlet_pid" 2>/dev/null || die "greenlet serve-http exited (after run $run, $contender /$file): $(tail -c 500 "$work/server.err")"
      [ -z "$nginx_worker" ] || kill -0 "$nginx_worker" 2>/dev/null || die "the nginx worker exited (after run $run, $contender /$file): $(tail -c 500 "$ngx/error.log")"
      after=$(server_ticks "$contender")
      read -r cpu0_after steal0_after cpu1_after steal1_after < <(cpu01_ticks)

      python3 - "$work/wrk.out" "$warnings" "$run" "$file" "$contender" "$((after - before))" \
        "$((cpu0_after - cpu0_before - (after - before)))" "$((steal0_after - steal0_before))" \
        "$((cpu1_after - cpu1_before))" "$((steal1_after - steal1_before))" \
        "$work/times.before" "$work/times.after" "$clk_tck" >>"$rows" <<'PY'
import re, sys
path, warnings, run, file, who, ticks, others0, steal0, busy1, steal1, tb, ta, clk_tck = sys.argv[1:]
# wrk's CPU: the growth of the shell's finished children's time (bash `times`).
def children(p):
    line = open(p).read().splitlines()[1]
    return sum(int(m) * 60 + float(s) for m, s in re.findall(r"(\d+)m([0-9.]+)s", line))
load_ticks = round((children(ta) - children(tb)) * int(clk_tck))
others1 = int(busy1) - load_ticks
out = open(path).read()
def num(pattern, conv=float):
    m = re.search(pattern, out)
    if not m:
        sys.exit(f"bench-http: no '{pattern}' in wrk output for {who} /{file} (run {run}):\n{out}")
    return conv(m.group(1))
reqs = num(r"(\d+) requests in ", int)
rps = num(r"Requests/sec:\s*([0-9.]+)")
tps = re.search(r"Transfer/sec:\s*([0-9.]+)([KMGT]?B)", out)
mib = float(tps.group(1)) * {"B": 2**-20, "KB": 2**-10, "MB": 1, "GB": 2**10, "TB": 2**20}[tps.group(2)]
sock = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", out)
non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
if sock or non2xx:
    what = []
    if sock:
        what.append("socket errors: connect %s, read %s, write %s, timeout %s" % sock.groups())
    if non2xx:
        what.append(f"{non2xx.group(1)} non-2xx/3xx responses")
    line = f"warning: run {run}, {who} /{file}: wrk reported {'; '.join(what)} (of {reqs} requests)"
    print(line, file=sys.stderr)
    print(line, file=open(warnings, "a"))
if reqs <= 0:
    sys.exit(f"bench-http: no requests completed for {who} /{file} (run {run}):\n{out}")
print("\t".join(str(v) for v in (run, file, who, reqs, rps, mib, ticks, max(0, int(others0)), steal0,
                                          load_ticks, max(0, others1), steal1)))
PY
      echo "bench-http: run $run $file $contender done" >&2
    done
  done
done

python3 - "$rows" "$warnings" "$clk_tck" "$duration_s" "$RUNS" "$DURATION" "$CONNECTIONS" <<'PY'
import statistics, sys
path, warnings, clk_tck, duration_s, runs, duration, conns = sys.argv[1], sys.argv[2], *map(int, sys.argv[3:5]), *sys.argv[5:]
label = {"1k.bin": "1 KiB", "1m.bin": "1 MiB"}
rows = []
for line in open(path):
    run, file, who, reqs, rps, mib, *ticks = line.rstrip("\n").split("\t")
    ticks, others0, steal0, load, others1, steal1 = map(int, ticks)
    reqs = int(reqs)
    rows.append(dict(run=run, file=file, who=who, reqs=reqs, rps=float(rps), mib=float(mib),
                     ticks=ticks, others0=others0, steal0=steal0, load=load, others1=others1,
                     steal1=steal1, cpu=ticks * 1e6 / clk_tck / reqs))

print(f"wrk -t1 -c{conns} -d{duration}, server on CPU 0, wrk on CPU 1, "
      f"{runs} interleaved run{'s' if runs != '1' else ''}\n")
print("| run | file | server | requests | req/s | MiB/s | server CPU s | wrk CPU s "
      "| others s CPU 0/1 | steal s CPU 0/1 | server CPU µs/request |")
print("|---|---|---|---:|---:|---:|---:|---:|---:|---:|---:|")
s = lambda t: f"{t / clk_tck:.2f}"
for r in rows:
    print(f"| {r['run']} | {label[r['file']]} | {r['who']} | {r['reqs']} | {r['rps']:.0f} | {r['mib']:.1f} "
          f"| {s(r['ticks'])} | {s(r['load'])} | {s(r['others0'])}/{s(r['others1'])} "
          f"| {s(r['steal0'])}/{s(r['steal1'])} | {r['cpu']:.2f} |")

notes = [line.rstrip() for line in open(warnings)]
# A clock tick is 1/CLK_TCK s; below ~100 ticks the rounding alone exceeds 1%.
short = [r for r in rows if r["ticks"] < 100]
if short:
    notes.append(f"warning: {len(short)} measurement(s) under 100 clock ticks of server CPU; "
                 "raise DURATION for precise numbers")
# Other processes (or the hypervisor) on the server's or wrk's CPU for more
# than a tenth of the load make its figures, req/s above all, unreliable.
lost = lambda r: max(r["others0"] + r["steal0"], r["others1"] + r["steal1"]) / clk_tck
busy = [r for r in rows if lost(r) > 0.1 * duration_s]
if busy:
    notes.append(f"warning: in {len(busy)} of {len(rows)} measurement(s) other processes or steal took "
                 f"more than 10% of CPU 0 or 1 (up to {max(lost(r) for r in busy):.2f} s of {duration_s} s); "
                 "rerun on a quiet machine")
if notes:
    print("\n" + "\n".join(notes))

print()
print("| file | server | median req/s | median MiB/s | median server CPU µs/request |")
print("|---|---|---:|---:|---:|")
med = {}
servers = [w for w in ("greenlet", "nginx") if any(r["who"] == w for r in rows)]
for file in ("1k.bin", "1m.bin"):
    for who in servers:
        sel = [r for r in rows if r["file"] == file and r["who"] == who]
        m = med[file, who] = {k: statistics.median(r[k] for r in sel) for k in ("rps", "mib", "cpu")}
        print(f"| {label[file]} | {who} | {m['rps']:.0f} | {m['mib']:.1f} | {m['cpu']:.2f} |")

if len(servers) < 2:
    print("\nratios greenlet/nginx: n/a (one server measured)")
    sys.exit(0)
print()
print("| file | greenlet/nginx req/s | greenlet/nginx server CPU per request |")
print("|---|---:|---:|")
def ratio(file, key):
    g, n = med[file, "greenlet"][key], med[file, "nginx"][key]
    return g / n if n > 0 else float("nan")
def verdict(value, ok):
    return "met" if ok(value) else "MISSED"
r1 = ratio("1k.bin", "rps")
c1 = ratio("1k.bin", "cpu")
rm = ratio("1m.bin", "rps")
cm = ratio("1m.bin", "cpu")
print(f"| 1 KiB | {r1:.2f}x (target ≥ 0.8x: {verdict(r1, lambda x: x >= 0.8)}) | {c1:.2f}x |")
print(f"| 1 MiB | {rm:.2f}x | {cm:.2f}x (target ≤ 1.3x: {verdict(cm, lambda x: x <= 1.3)}) |")
PY

{
  echo
  echo "Commands (server on CPU 0, load on CPU 1; the temporary directory is removed afterwards):"
  echo
  echo '```sh'
  [ -z "$greenlet_port" ] || show_cmd "${greenlet_cmd[@]}"
  [ -z "$nginx_port" ] || show_cmd "${nginx_cmd[@]}"
  echo "$(wrk_cmd FILE PORT)   # FILE: ${files[*]}; PORT: ${greenlet_port:+$greenlet_port (greenlet)}${greenlet_port:+${nginx_port:+, }}${nginx_port:+$nginx_port (nginx)}"
  echo '```'
  if [ -n "$nginx_port" ]; then
    echo
    echo "nginx.conf:"
    echo
    echo '```nginx'
    cat "$ngx/nginx.conf"
    echo '```'
  fi
}
