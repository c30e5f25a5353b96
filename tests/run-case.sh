#!/usr/bin/env bash
# Runs one golden case: tests/cases/COMMAND/CASE/ holds `cmd` (a shell command line using
# `trk`), its inputs, `expected` (stdout), and optionally `expected.stderr` (otherwise
# nothing may reach stderr) and `expected.rc` (otherwise 0). Prints a diff on failure.
#   run-case.sh CASE_DIR TRK_DIR
set -u
case_dir=$1
trk_dir=$2
cd "$case_dir" || exit 2
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT
PATH="$trk_dir:$PATH" bash -c "$(cat cmd)" >"$out/stdout" 2>"$out/stderr" </dev/null
rc=$?
expected_rc=$(cat expected.rc 2>/dev/null || echo 0)
status=0
if ! diff -u expected "$out/stdout"; then
  echo "--- stdout differs (above)"
  status=1
fi
if [ -f expected.stderr ]; then
  diff -u expected.stderr "$out/stderr" || { echo "--- stderr differs (above)"; status=1; }
elif [ -s "$out/stderr" ]; then
  echo "--- unexpected stderr:"
  cat "$out/stderr"
  status=1
fi
if [ "$rc" != "$expected_rc" ]; then
  echo "--- exit status $rc, expected $expected_rc"
  status=1
fi
exit $status
