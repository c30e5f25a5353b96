#!/usr/bin/env bash
# Rewrites the expected files of golden cases from what trk does now. A commit that
# changes expected output must say why the output changed.
#   tests/regen-cases.sh BUILD_DIR [CASE_DIR...]   (default: every case)
set -eu
build=$(cd "$1" && pwd)
shift
here=$(cd "$(dirname "$0")" && pwd)
if [ $# -eq 0 ]; then set -- "$here"/cases/*/*/; fi
for dir in "$@"; do
  (
    cd "$dir"
    set +e
    PATH="$build:$PATH" bash -c "$(cat cmd)" >expected 2>expected.stderr </dev/null
    rc=$?
    set -e
    [ -s expected.stderr ] || rm -f expected.stderr
    if [ "$rc" -ne 0 ]; then echo "$rc" >expected.rc; else rm -f expected.rc; fi
    echo "regenerated ${dir#"$here"/}"
  )
done
