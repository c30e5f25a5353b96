# What the benchmark scripts share (sourced, not run, from the repository's root): the
# Release build, timing one run and the median of several. measure and median_of need $work
# and $runs; commands run under ${pin[@]} when the caller sets it (e.g. pin=(taskset -c 0)).

# Installs what the benchmarks need and builds trk (Release, no tests) in build-release;
# sets $trk, and $work, the scratch folder where generated inputs are kept between runs.
prepare_bench() {
  work=${TMPDIR:-/tmp}/trk-bench
  mkdir -p "$work"
  # TRK=path: measure that binary as it is (no install, no Release build).
  if [ -n "${TRK:-}" ]; then
    trk=$TRK
    return
  fi
  scripts/install-deps.sh --bench
  cmake -S . -B build-release -G Ninja -DCMAKE_BUILD_TYPE=Release -DBUILD_TESTING=OFF >/dev/null
  cmake --build build-release -j 2 >/dev/null
  trk=$PWD/build-release/trk
}

# seconds and peak RSS (KB) of one run of "$@", output discarded: "SECONDS KB"
measure() {
  /usr/bin/time -f "%e %M" -o "$work/time.txt" ${pin[@]+"${pin[@]}"} "$@" >/dev/null 2>"$work/stderr.txt" || {
    echo "$(basename "$0"): failed: $*" >&2
    cat "$work/stderr.txt" >&2
    exit 1
  }
  cat "$work/time.txt"
}

# median seconds and the largest peak RSS of $runs runs: "SECONDS KB"
median_of() {
  local results=()
  for _ in $(seq "$runs"); do results+=("$(measure "$@")"); done
  printf '%s\n' "${results[@]}" | sort -n | awk -v n="$runs" '
    { s[NR] = $1; if ($2 > kb) kb = $2 } END { print s[int((n + 1) / 2)], kb }'
}
