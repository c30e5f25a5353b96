#!/usr/bin/env bash
# The README's test command: installs what trk needs, builds, runs every test with CTest,
# then builds and runs the whole suite again under AddressSanitizer and
# UndefinedBehaviorSanitizer (clang, whose fuzz harnesses are libFuzzer targets there), and
# the tests of everything that runs on two threads (the stages' reading thread, fence
# loading) under ThreadSanitizer (separate build directories); then runs each fuzz harness
# of the sanitizer build for a few seconds (scripts/fuzz.sh --smoke --build build-sanitize:
# a harness that stops building or crashes at once fails the run). Exits non-zero if
# anything fails.
#   scripts/test.sh            everything
#   TRK_TEST_QUICK=1 scripts/test.sh   the normal build only (for a fast local loop)
set -euo pipefail
cd "$(dirname "$0")/.."

if [ -z "${TRK_TEST_QUICK:-}" ]; then
  scripts/install-deps.sh --fuzz  # clang for the sanitizer build and libFuzzer
else
  scripts/install-deps.sh
fi

jobs=${TRK_JOBS:-2}
status=0

# run_suite DIR CTEST_REGEX TARGETS CMAKE_ARGS...: builds TARGETS of DIR (all when empty)
# and runs its tests (those whose names match CTEST_REGEX when it is not empty).
run_suite() {
  local dir=$1 only=$2 targets=$3
  shift 3
  local started=$SECONDS
  echo "== $dir: configure and build" >&2
  cmake -S . -B "$dir" -G Ninja -DTRK_WERROR=ON "$@" >/dev/null
  # shellcheck disable=SC2086 # the target names are words
  cmake --build "$dir" -j "$jobs" ${targets:+--target $targets}
  echo "== $dir: tests (built in $((SECONDS - started)) s)" >&2
  started=$SECONDS
  local log="$dir/ctest-output.txt"
  if ! ctest --test-dir "$dir" -j "$jobs" --output-on-failure ${only:+-R "$only"} | tee "$log"; then
    status=1
  fi
  # A test skips (exit 77) when a peer it needs (pymodbus, mbpoll, gpsd, ../shared) is
  # missing. Here, after install-deps, every peer is present: a skip is a failure.
  if grep -q '(Skipped)' "$log"; then
    echo "== $dir: a test was skipped (above): every peer is installed here, so every test must run" >&2
    status=1
  fi
  echo "== $dir: tests took $((SECONDS - started)) s" >&2
}

# Line tables only (-g1): enough for file:line in sanitizer reports and backtraces, and a
# fifth less compile time than full debug information.
# The fuzz harnesses' replays (fuzz-replay/NAME) only in the quick loop: the sanitizer build
# below replays the same inputs under ASan/UBSan, and the 25 harnesses are a tenth of this
# build's compile time.
replay=OFF
if [ -n "${TRK_TEST_QUICK:-}" ]; then
  replay=ON
fi
run_suite build "" "" -DCMAKE_BUILD_TYPE=RelWithDebInfo "-DCMAKE_CXX_FLAGS_RELWITHDEBINFO=-O2 -g1 -DNDEBUG" \
  -DTRK_FUZZ_REPLAY=$replay
if [ -z "${TRK_TEST_QUICK:-}" ]; then
  # halt_on_error: a sanitizer report fails the test that caused it, with its stack. The
  # reliability tests repeat fewer times in both sanitizer builds (tests/harness.py's
  # SANITIZED, which tests/CMakeLists.txt sets there).
  export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:halt_on_error=1:abort_on_error=0}
  export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
  # clang: at -O0 it compiles this build in two fifths less time than g++, and its libraries
  # then serve the fuzz harnesses too (TRK_SANITIZE_LIBFUZZER), so that the fuzz smoke pass
  # below needs no build of its own.
  run_suite build-sanitize "" "" -DCMAKE_C_COMPILER=clang -DCMAKE_CXX_COMPILER=clang++ -DCMAKE_BUILD_TYPE=Debug -DCMAKE_CXX_FLAGS_DEBUG=-g1 \
    -DTRK_SANITIZE=ON -DTRK_SANITIZE_LIBFUZZER=ON
  # ThreadSanitizer: the unit tests (fence loading and grid building on two threads), the
  # golden cases of the commands that read on a second thread or load fences, the
  # live-pipe and shapely tests (large fence sets and inputs, both threads busy), and MQTT
  # (libmosquitto's network thread, trk publish's forwarding thread and shared spool).
  # -O1 (ThreadSanitizer's documented minimum): a fifth less compile time than -O2, for the
  # same instrumented accesses.
  export TSAN_OPTIONS=${TSAN_OPTIONS:-halt_on_error=1:second_deadlock_stack=1}
  run_suite build-tsan '^(unit/|case/(read-jsonl|clean|fence|check|audit|export)/|stage-pipe$|fence-shapely$|mqtt-(read|publish|reliability)$|edge-gateway$)' \
    "trk trk_unit_tests" -DCMAKE_BUILD_TYPE=RelWithDebInfo "-DCMAKE_CXX_FLAGS_RELWITHDEBINFO=-O1 -g1 -DNDEBUG" \
    -DTRK_SANITIZE_THREAD=ON
  echo "== build-sanitize: fuzz harnesses, smoke pass" >&2
  started=$SECONDS
  if ! scripts/fuzz.sh --smoke --build build-sanitize; then
    status=1
  fi
  echo "== build-sanitize: fuzz harnesses smoke-tested in $((SECONDS - started)) s" >&2
fi

if [ "$status" -ne 0 ]; then
  echo "scripts/test.sh: FAILED ($SECONDS s)" >&2
else
  echo "scripts/test.sh: all tests passed ($SECONDS s)" >&2
fi
exit "$status"
