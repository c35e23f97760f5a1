#!/usr/bin/env bash
# Installs the system libraries and tools greenlet builds, tests and runs with (the openssl
# tool makes test certificates; ca-certificates is the trust store; the tests start their
# own redis-server and tinyproxy; zlib decodes gzip and deflate bodies), when they are missing.
# Idempotent: a machine that already has them is left alone.
set -euo pipefail

packages=(libevent-dev libssl-dev libhiredis-dev zlib1g-dev openssl ca-certificates pkg-config redis-server tinyproxy)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

echo "install-deps: installing ${missing[*]}" >&2
if ! command -v apt-get >/dev/null 2>&1; then
  echo "install-deps: apt-get not found; install ${missing[*]} (libevent 2.1, OpenSSL 3, hiredis and zlib headers, the openssl tool, CA certificates, pkg-config, redis-server and tinyproxy) with your package manager" >&2
  exit 1
fi
sudo=""
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then sudo="sudo"; else
    echo "install-deps: not root and no sudo; run as root: apt-get update && apt-get install -y ${missing[*]}" >&2
    exit 1
  fi
fi
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -q
$sudo apt-get install -y -q "${missing[@]}"
