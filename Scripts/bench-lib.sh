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

# Starts "$@" pinned to CPU 0 and sets server_pid and port from its
# "listening on 127.0.0.1:PORT" line. Uses the caller's $work directory and die.
start_server() {
  : >"$work/server.out"
  # taskset execs the server, so $! is the server's own pid.
  taskset -c 0 "$@" >"$work/server.out" 2>"$work/server.err" &
  server_pid=$!
  # Wait (up to 10 s) for a complete first line, not a partial write.
  for _ in $(seq 100); do
    [ "$(wc -l <"$work/server.out")" -ge 1 ] && break
    kill -0 "$server_pid" 2>/dev/null || break
    sleep 0.1
  done
  local line
  line=$(head -n 1 "$work/server.out")
  [[ $line =~ ^listening\ on\ 127\.0\.0\.1:([0-9]+)$ ]] ||
    die "$1 did not report 'listening on 127.0.0.1:PORT' (stdout: '$line'; stderr: $(head -c 500 "$work/server.err"))"
  port=${BASH_REMATCH[1]}
}

# Python with gevent from PyPI, in a virtual environment in .build-venv made on first
# use (relative to the package root, where the callers run); prints its path.
gevent_python() {
  local venv=.build-venv
  if ! "$venv/bin/python" -c "import gevent" 2>/dev/null; then
    echo "installing gevent into $venv" >&2
    python3 -m venv "$venv" >&2 || { echo "python3 -m venv failed (Debian: apt-get install python3-venv)" >&2; return 1; }
    "$venv/bin/pip" install -q gevent >&2 || { echo "pip install gevent failed" >&2; return 1; }
  fi
  echo "$venv/bin/python"
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
