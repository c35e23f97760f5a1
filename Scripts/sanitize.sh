#!/usr/bin/env bash
# Builds the package with a sanitizer in its own scratch path and runs the unit tests,
# then the end-to-end tests against the sanitized `greenlet` binary. Every report (of the
# test processes and of each greenlet they start) is written to a log directory; any
# report fails the run, so a clean exit means the sanitizer saw nothing.
#
#   bash Scripts/sanitize.sh thread|address
set -euo pipefail
cd "$(dirname "$0")/.."

kind=${1:?usage: sanitize.sh thread|address}
case "$kind" in
  thread) scratch=.build-tsan ;;
  address) scratch=.build-asan ;;
  *) echo "sanitize.sh: unknown sanitizer $kind (thread or address)" >&2; exit 64 ;;
esac
swift=${SWIFT:-swift}
logs=$scratch/sanitizer-logs
rm -rf "$logs"
mkdir -p "$logs"

# Reports go to files named by process id, also from the greenlet processes the
# end-to-end tests start, whose stderr the tests read.
export TSAN_OPTIONS="log_path=$PWD/$logs/tsan second_deadlock_stack=1"
export ASAN_OPTIONS="log_path=$PWD/$logs/asan detect_leaks=1"
export LSAN_OPTIONS="suppressions=$PWD/Scripts/sanitizers/lsan.supp print_suppressions=0"

"$swift" build --build-tests --scratch-path "$scratch" --sanitize="$kind"
bin=$("$swift" build --scratch-path "$scratch" --sanitize="$kind" --show-bin-path)
status=0
"$swift" test --skip-build --scratch-path "$scratch" --sanitize="$kind" --skip EndToEndTests || status=$?
# The sanitized binary is several times slower: the tests' time bounds are generous, and
# the deadlines a test hands the binary itself are stretched by GREENLET_TIME_SCALE.
# AddressSanitizer keeps freed memory in quarantine, so the chat test that bounds the
# server's RSS while a client does not read cannot hold under it.
skip=()
if [ "$kind" = address ]; then skip=(--skip 'ChatEndToEndTests.slowClient'); fi
GREENLET_BIN="$bin/greenlet" GREENLET_TIME_SCALE=4 "$swift" test --skip-build --scratch-path "$scratch" --sanitize="$kind" \
  --filter EndToEndTests "${skip[@]}" || status=$?

# A log that only lists suppressions used is no report.
reports=$(grep -lE "ERROR: |WARNING: ThreadSanitizer|runtime error" -r "$logs" | sort || true)
if [ -n "$reports" ]; then
  echo "sanitize.sh: $kind sanitizer reports:" >&2
  for report in $reports; do
    echo "== $report" >&2
    head -n 40 "$report" >&2
  done
  exit 1
fi
if [ "$status" -ne 0 ]; then
  echo "sanitize.sh: tests failed under the $kind sanitizer" >&2
  exit "$status"
fi
echo "sanitize.sh: $kind sanitizer: unit and end-to-end tests passed, no reports"
