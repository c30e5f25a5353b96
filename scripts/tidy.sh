#!/usr/bin/env bash
# Runs clang-tidy with the checked-in .clang-tidy over every source of cli/, adapters/ and
# libtrack/ (their headers are checked through them: HeaderFilterRegex), using a build's
# compile_commands.json, and fails when it reports anything: a warning is a finding to fix,
# or a check to disable in .clang-tidy with the reason.
#   scripts/tidy.sh [BUILD_DIR]    (default: build; configured here when it has no
#                                   compile_commands.json yet: clang-tidy needs no build)
#   TRK_JOBS=N                     clang-tidy processes at once (default 2)
#   TRK_TIDY_BASE=main             only the sources changed since that commit (all of them
#                                  when a header changed): the whole tree costs about 16 s
#                                  of CPU per source, some 8 minutes on 2 cores
#   TRK_TIDY_QUICK=1               without the clang-analyzer-* checks (three quarters of
#                                  the cost): what scripts/test.sh runs
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
build=${1:-build}
jobs=${TRK_JOBS:-2}

scripts/install-deps.sh --tidy
tidy=$(command -v clang-tidy-14 || command -v clang-tidy || true)
if [ -z "$tidy" ]; then
  echo "scripts/tidy.sh: clang-tidy is not installed (Debian: clang-tidy-14)" >&2
  exit 2
fi
if [ ! -f "$build/compile_commands.json" ]; then
  cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
fi

# The sources to check, as a regex on compile_commands.json's absolute paths.
sources="^$root/(cli|adapters|libtrack)/.*\.cpp$"
if [ -n "${TRK_TIDY_BASE:-}" ]; then
  changed=$(git diff --name-only "$TRK_TIDY_BASE" -- cli adapters libtrack)
  if ! grep -qE '\.hpp$' <<<"$changed"; then
    changed=$(grep -E '\.cpp$' <<<"$changed" || true)
    if [ -z "$changed" ]; then
      echo "scripts/tidy.sh: no source changed since $TRK_TIDY_BASE" >&2
      exit 0
    fi
    sources="^$root/($(paste -sd'|' <<<"$changed" | sed 's/\./\\./g'))$"
  fi
fi

log=$(mktemp)
commands=$(mktemp -d)
trap 'rm -rf "$log" "$commands"' EXIT
# The compile commands without the precompiled header (CMakeLists.txt's
# target_precompile_headers): clang-tidy cannot read g++'s .gch, and every source includes
# what it needs without it.
sed -E 's# -Winvalid-pch##g; s# -include [^ ]*/cmake_pch\.hxx##g' "$build/compile_commands.json" \
  >"$commands/compile_commands.json"
started=$SECONDS
# Compiler warnings stay warnings here (the build's -Werror is for the compiler that builds
# trk); clang-tidy reports each one with the check that raised it.
common=(-extra-arg=-Wno-error -extra-arg=-Wno-unknown-warning-option)
if [ -n "${TRK_TIDY_QUICK:-}" ]; then common+=("-checks=-clang-analyzer-*"); fi
runner=$(command -v run-clang-tidy-14 || command -v run-clang-tidy || true)
set +e
if [ -n "$runner" ]; then
  "$runner" -clang-tidy-binary "$tidy" -p "$commands" -j "$jobs" -quiet "${common[@]}" \
    "$sources" >"$log" 2>&1
  rc=$?
else
  git ls-files 'cli/*.cpp' 'adapters/*.cpp' 'libtrack/*.cpp' | sed "s|^|$root/|" | grep -E "$sources" |
    xargs -P "$jobs" -n 4 "$tidy" -p "$commands" --quiet "${common[@]}" >"$log" 2>&1
  rc=$?
fi
set -e
# run-clang-tidy always asks for colour: plain text for the counting below.
sed -i -E 's/\x1b\[[0-9;]*m//g' "$log"

# Each finding once (a header's findings repeat for every source that includes it).
findings=$(grep -E '^[^ ]+:[0-9]+:[0-9]+: (warning|error):' "$log" | sort -u || true)
count=$(printf '%s' "$findings" | grep -c . || true)
if [ "$count" -gt 0 ]; then
  # The findings with their context lines, each once, then a count per check.
  awk '/^[^ ]+:[0-9]+:[0-9]+: (warning|error):/ { show = !seen[$0]++ } show' "$log"
  echo "--- findings per check:"
  printf '%s\n' "$findings" | sed -E 's/.*\[([^]]+)\]$/\1/' | sort | uniq -c | sort -rn
fi
echo "scripts/tidy.sh: $count findings in $((SECONDS - started)) s" >&2
if [ "$count" -gt 0 ] || [ "$rc" -ne 0 ]; then
  [ "$count" -gt 0 ] || cat "$log"
  exit 1
fi
