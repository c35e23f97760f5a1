# Functions the benchmark scripts share; sourced, not run.

# Makes a relative GREENLET_BIN absolute: call before leaving the caller's directory.
absolute_greenlet_bin() {
  if [[ ${GREENLET_BIN:-} == */* ]]; then
    GREENLET_BIN=$(realpath -m -- "$GREENLET_BIN")
  elif [ -n "${GREENLET_BIN:-}" ]; then
    GREENLET_BIN=$(command -v -- "$GREENLET_BIN" || echo "$GREENLET_BIN")
  fi
}

# The greenlet binary to measure: GREENLET_BIN, else a release build made now (from
# the package root; the build's output goes to stderr).
greenlet_binary() {
  if [ -n "${GREENLET_BIN:-}" ]; then
    echo "$GREENLET_BIN"
  else
    swift build -c release --product greenlet >&2
    echo "$(swift build -c release --show-bin-path)/greenlet"
  fi
}

# Stops process PID: SIGTERM, then SIGKILL after 5 s, so a server that ignores
# SIGTERM cannot hang the benchmark.
stop_pid() {
  local pid=$1
  [ -n "$pid" ] || return 0
  kill -TERM "$pid" 2>/dev/null || true
  for _ in $(seq 50); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  kill -KILL "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
}

# utime+stime of the whole process (all threads), in clock ticks. Fields are
# counted after the last ')' because the command name may contain spaces.
cpu_ticks() {
  local stat rest
  stat=$(<"/proc/$1/stat")
  rest=${stat##*) }
  local -a f
  read -ra f <<<"$rest"
  echo $((f[11] + f[12])) # fields 14 and 15; field 3 is f[0]
}

# Task time (user, nice, system) and steal time of CPUs 0 and 1, in clock
# ticks. Task time beyond the server's own (CPU 0) or the load's (CPU 1) is other
# processes competing with them; steal is time the hypervisor gave elsewhere.
cpu01_ticks() {
  awk '$1 == "cpu0" { t0 = $2 + $3 + $4; s0 = $9 }
       $1 == "cpu1" { t1 = $2 + $3 + $4; s1 = $9 }
       END { print t0, s0, t1, s1 }' /proc/stat
}

# Starts "$@" pinned to CPU 0 and sets server_pid and port from its
# "listening on 127.0.0.1:PORT" line. Uses the caller's $work directory and die.
start_server() {
  start_listener server_pid server 0 "$@"
  port=$listener_port
}

# start_listener PID_VAR NAME CPU COMMAND...: starts COMMAND pinned to CPU, its output in
# $work/NAME.out and $work/NAME.err; sets the variable PID_VAR to its pid at once (so the
# caller's exit trap stops it, whatever happens next) and listener_port from its
# "listening on 127.0.0.1:PORT" line. Uses the caller's $work directory and die.
start_listener() {
  local pid_var=$1 name=$2 cpu=$3
  shift 3
  local out=$work/$name.out err=$work/$name.err pid
  : >"$out"
  # taskset execs the server, so $! is the server's own pid.
  taskset -c "$cpu" "$@" >"$out" 2>"$err" &
  pid=$!
  printf -v "$pid_var" %s "$pid"
  # Wait (up to 10 s) for a complete first line, not a partial write.
  for _ in $(seq 100); do
    [ "$(wc -l <"$out")" -ge 1 ] && break
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  local line
  line=$(head -n 1 "$out")
  [[ $line =~ ^listening\ on\ 127\.[0-9]+\.[0-9]+\.[0-9]+:([0-9]+)$ ]] ||
    die "$1 did not report 'listening on 127.x.x.x:PORT' (stdout: '$line'; stderr: $(head -c 500 "$err"))"
  listener_port=${BASH_REMATCH[1]}
}

# Loads and clients run in the background under `timeout` and are waited for, so that an
# interrupt is handled at once, not after they end (bash runs traps only between
# foreground commands). bounded_pids lists those started and not yet waited for, with
# their stderr files and limits, for wait_bounded and the caller's exit trap
# (stop_bounded).
bounded_pids=()
bounded_errs=()
bounded_limits=()

# start_bounded SECONDS OUT ERR COMMAND...: starts COMMAND, its output in OUT and ERR;
# `timeout` passes a SIGTERM on to it, and SIGKILLs it 5 s after SECONDS.
start_bounded() {
  local seconds=$1 out=$2 err=$3
  shift 3
  timeout -k 5 "$seconds" "$@" >"$out" 2>"$err" &
  bounded_pids+=($!)
  bounded_errs+=("$err")
  bounded_limits+=("$seconds")
}

# wait_bounded WHAT: waits for the commands started, in order; dies naming WHAT (the Nth
# of several) with the end of its stderr when one timed out or failed. Uses the caller's die.
wait_bounded() {
  local what=$1 i rc
  for i in "${!bounded_pids[@]}"; do
    rc=0
    wait "${bounded_pids[i]}" || rc=$?
    [ "${#bounded_pids[@]}" -eq 1 ] || what="$1, $((i + 1)) of ${#bounded_pids[@]},"
    case $rc in
      0) ;;
      124 | 137) die "$what timed out after ${bounded_limits[i]} s" ;;
      *) die "$what failed with status $rc: $(tail -c 500 "${bounded_errs[i]}")" ;;
    esac
  done
  bounded_pids=()
  bounded_errs=()
  bounded_limits=()
}

# run_bounded WHAT SECONDS OUT ERR COMMAND...: start_bounded and wait_bounded, for one.
run_bounded() {
  local what=$1
  shift
  start_bounded "$@"
  wait_bounded "$what"
}

# Stops whatever start_bounded started and is still running (`timeout` passes the
# SIGTERM on, and is itself bounded).
stop_bounded() {
  local pid
  for pid in "${bounded_pids[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
  for pid in "${bounded_pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  bounded_pids=()
}

# A port the kernel just handed out and released on 127.0.0.1; another process could
# take it before the caller binds it.
free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# start_redis PID_VAR CPU: starts redis-server on 127.0.0.1 at a free port, pinned to CPU,
# without persistence, its log in $work/redis.log; sets the variable PID_VAR to its pid
# and redis_port. A failed start (the port taken meanwhile) is retried on a new port.
# Uses the caller's $work directory and die.
start_redis() {
  local pid_var=$1 cpu=$2 pid
  for _ in 1 2 3; do
    redis_port=$(free_port)
    # taskset execs redis-server, so $! is the server's own pid.
    taskset -c "$cpu" redis-server --bind 127.0.0.1 --port "$redis_port" --save "" --appendonly no \
      --dir "$work" --daemonize no >"$work/redis.log" 2>&1 &
    pid=$!
    printf -v "$pid_var" %s "$pid"
    for _ in $(seq 100); do
      grep -q "Ready to accept connections" "$work/redis.log" && return 0
      kill -0 "$pid" 2>/dev/null || break
      sleep 0.1
    done
    stop_pid "$pid"
    printf -v "$pid_var" %s ""
  done
  die "redis-server did not start: $(tail -c 500 "$work/redis.log")"
}

# Python with gevent and any other PyPI packages named (their import names), in a
# virtual environment in .build-venv made on first use (relative to the package root,
# where the callers run); installs what is missing and prints its path.
gevent_python() {
  local venv=.build-venv package missing=()
  for package in gevent "$@"; do
    "$venv/bin/python" -c "import $package" 2>/dev/null || missing+=("$package")
  done
  if ((${#missing[@]})); then
    echo "installing ${missing[*]} into $venv" >&2
    [ -x "$venv/bin/python" ] ||
      python3 -m venv "$venv" >&2 || { echo "python3 -m venv failed (Debian: apt-get install python3-venv)" >&2; return 1; }
    "$venv/bin/pip" install -q "${missing[@]}" >&2 || { echo "pip install ${missing[*]} failed" >&2; return 1; }
  fi
  echo "$venv/bin/python"
}

# go_peer OUT SOURCE: builds the Go program SOURCE into OUT, with Debian's golang-go
# installed first when go is missing; its build cache under $work unless GOCACHE is set.
# Uses the caller's $work directory and die.
go_peer() {
  command -v go >/dev/null 2>&1 || apt_install golang-go
  GOCACHE=${GOCACHE:-$work/go-cache} go build -o "$1" "$2" || die "go build $2 failed"
}

# What a comparison script starts with: the greenlet binary ($greenlet), a work directory
# ($work) removed at exit with any server still running ($server_pid), the clock-tick rate
# ($clk_tck). Uses the caller's die.
begin_bench() {
  greenlet=$(greenlet_binary)
  [ -x "$greenlet" ] || die "greenlet binary not found at $greenlet"
  clk_tck=$(getconf CLK_TCK)
  work=$(mktemp -d)
  server_pid=""
  trap 'stop_pid "$server_pid"; rm -rf "$work"' EXIT
  trap 'exit 130' INT TERM
}

# Installs Debian PACKAGES with apt-get (sudo when not root), after updating the lists,
# which a fresh machine does not have. Uses the caller's die.
apt_install() {
  echo "installing $*" >&2
  command -v apt-get >/dev/null 2>&1 || die "apt-get not found; install $* with your package manager"
  local sudo=""
  if [ "$(id -u)" -ne 0 ]; then
    command -v sudo >/dev/null 2>&1 || die "not root and no sudo; run as root: apt-get update && apt-get install -y $*"
    sudo=sudo
  fi
  $sudo env DEBIAN_FRONTEND=noninteractive apt-get update -q >&2
  $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -q "$@" >&2 || die "cannot install $*"
}
