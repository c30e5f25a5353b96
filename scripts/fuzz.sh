#!/usr/bin/env bash
# Builds the libFuzzer harnesses of tests/fuzz (clang, ASan and UBSan, in build-fuzz) and runs
# each, one process at a time: its regression inputs first, then fuzzing for a given time from
# its merged corpus (kept in build-fuzz/corpus/NAME between runs), its seeds and dictionary.
# Prints per harness the executions, exec/s and coverage (libFuzzer's cov: and ft:) from the
# seeds alone and at the end. A crash, leak or timeout is saved under build-fuzz/findings/NAME/
# and makes the script exit 1 once every harness has run.
#   scripts/fuzz.sh                    every harness, 60 s each
#   scripts/fuzz.sh --seconds 200 nmea rules    the harnesses named, 200 s each
#   scripts/fuzz.sh --smoke            every harness for 3 s
#   scripts/fuzz.sh --build DIR ...    the harnesses of build DIR instead of build-fuzz: a sanitizer
#                                      build configured with clang and -DTRK_SANITIZE_LIBFUZZER=ON
#                                      (CI: scripts/test.sh runs --smoke --build build-sanitize)
# Before a release, run every harness for an hour (about 19 hours of one core, two harnesses
# at a time on two cores (TRK_JOBS); resumable,
# since the corpus is kept), and turn every finding into a regression input, a golden case
# where it reaches the CLI, and a fix (tests/fuzz/README.md says how):
#   scripts/fuzz.sh --seconds 3600
# A finding replays with the harness and the input: build-fuzz/tests/fuzz/fuzz_NAME FILE.
set -euo pipefail
cd "$(dirname "$0")/.."

seconds=60
smoke=false
build=build-fuzz
own_build=true
names=()
while [ $# -gt 0 ]; do
  case $1 in
    --seconds) seconds=${2:?--seconds needs a number}; shift 2 ;;
    --smoke) smoke=true; seconds=3; shift ;;
    --build) build=${2:?--build needs a build directory}; own_build=false; shift 2 ;;
    -h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    -*) echo "fuzz.sh: unknown option $1 (see --help)" >&2; exit 64 ;;
    *) names+=("$1"); shift ;;
  esac
done
case $seconds in ''|*[!0-9]*) echo "fuzz.sh: --seconds: '$seconds' is not a number of seconds" >&2; exit 64 ;; esac

scripts/install-deps.sh --fuzz

shared=${TRK_SHARED_DIR:-../shared}
list=tests/fuzz/harnesses.txt

# The harnesses: name, max_len, dictionary and seed patterns, from the one list.
declare -A max_len dict seeds
all=()
while read -r name len dictionary patterns; do
  case $name in ''|'#'*) continue ;; esac
  all+=("$name")
  max_len[$name]=$len
  dict[$name]=$dictionary
  seeds[$name]=$patterns
done <"$list"
[ ${#names[@]} -gt 0 ] || names=("${all[@]}")
for name in "${names[@]}"; do
  [ -n "${max_len[$name]:-}" ] || { echo "fuzz.sh: no harness '$name' in $list (${all[*]})" >&2; exit 64; }
done

if $own_build; then
  echo "== $build: configure and build (clang, -DTRK_FUZZ=ON)" >&2
  cmake -S . -B "$build" -G Ninja -DCMAKE_C_COMPILER=clang -DCMAKE_CXX_COMPILER=clang++ -DCMAKE_BUILD_TYPE=RelWithDebInfo -DTRK_FUZZ=ON \
    "-DCMAKE_CXX_FLAGS_RELWITHDEBINFO=-O2 -gline-tables-only -DNDEBUG" \
    -DTRK_WERROR=ON >/dev/null
elif ! grep -q '^TRK_SANITIZE_LIBFUZZER:BOOL=ON' "$build/CMakeCache.txt" 2>/dev/null; then
  echo "fuzz.sh: --build $build: not a build configured with -DTRK_SANITIZE_LIBFUZZER=ON" >&2
  exit 64
fi
cmake --build "$build" -j "${TRK_JOBS:-2}" --target "${names[@]/#/fuzz_}"

export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}

# Copies `file` into the seed directory `into`: whole when it fits max_len, else its first
# pieces of max_len bytes cut at line ends (a capture's stretches, each a seed).
add_seed() {
  local file=$1 into=$2 len=$3 base
  base=$(basename "$file")
  if [ "$(stat -c %s "$file")" -le "$len" ]; then
    cp "$file" "$into/$base"
  else
    head -c $((len * 8)) "$file" | split -C "$len" - "$into/$base."
  fi
}

# libFuzzer's last "cov: N ft: M" in a log: "N M".
# (Each of these greps may find nothing, as when a regression failed and nothing was fuzzed.)
coverage() { { grep -a -o 'cov: [0-9]* ft: [0-9]*' "$1" 2>/dev/null || true; } | tail -n 1 | awk '{print $2, $4}'; }
fuzz_stat() { { grep -a -o "stat::$2: *[0-9]*" "$1" 2>/dev/null || true; } | awk '{print $2}'; }

# fuzz_one NAME: the regressions, the seeds' coverage, the fuzzing and the merge of one
# harness; writes its report line to $build/logs/NAME/report and fails on a finding.
fuzz_one() {
  local name=$1 bin logs seed_dir corpus findings dir pattern file options result artifact kind
  local seed_cov seed_ft cov ft execs rate line
  bin=$build/tests/fuzz/fuzz_$name
  logs=$build/logs/$name
  seed_dir=$build/seeds/$name
  corpus=$build/corpus/$name
  findings=$build/findings/$name
  rm -rf "$seed_dir" "$logs"
  mkdir -p "$seed_dir" "$logs" "$corpus" "$findings"

  # The seeds: committed ones, regressions, repo files and shared captures of harnesses.txt.
  for dir in tests/fuzz/seeds/$name tests/fuzz/regressions/$name; do
    [ -d "$dir" ] && find "$dir" -type f -exec cp {} "$seed_dir/" \;
  done
  for pattern in ${seeds[$name]}; do
    case $pattern in shared:*) pattern=$shared/${pattern#shared:} ;; esac
    for file in $pattern; do [ -f "$file" ] && add_seed "$file" "$seed_dir" "${max_len[$name]}"; done
  done

  options=(-max_len="${max_len[$name]}" -timeout=10 -rss_limit_mb=2048 -artifact_prefix="$findings/")
  [ "${dict[$name]}" != - ] && options+=(-dict="tests/fuzz/dict/${dict[$name]}.dict")

  # 1. The regression inputs, each once.
  result=ok
  if [ -d tests/fuzz/regressions/$name ] &&
    ! "$bin" -runs=0 "${options[@]}" "tests/fuzz/regressions/$name" >"$logs/regressions.log" 2>&1; then
    result="regression fails (see $logs/regressions.log)"
  fi
  # 2. The coverage of the seeds alone.
  "$bin" -runs=0 "${options[@]}" "$seed_dir" >"$logs/seeds.log" 2>&1 || true
  read -r seed_cov seed_ft <<<"$(coverage "$logs/seeds.log")"
  # 3. Fuzzing, from the corpus and the seeds; new inputs go to the corpus.
  if [ "$result" = ok ] &&
    ! "$bin" -max_total_time="$seconds" -print_final_stats=1 "${options[@]}" "$corpus" "$seed_dir" \
      >"$logs/fuzz.log" 2>&1; then
    artifact=$({ grep -a -o "Test unit written to [^ ]*" "$logs/fuzz.log" || true; } | tail -n 1 | cut -d' ' -f5)
    kind=$(grep -a -o -m1 -E "ERROR: (AddressSanitizer|LeakSanitizer|libFuzzer): [a-z-]+|runtime error|fuzz: property broken: .*" \
      "$logs/fuzz.log" || echo "failure")
    result="FINDING: $kind: ${artifact:-no input saved} (log: $logs/fuzz.log)"
  fi
  read -r cov ft <<<"$(coverage "$logs/fuzz.log")"
  execs=$(fuzz_stat "$logs/fuzz.log" number_of_executed_units)
  rate=$(fuzz_stat "$logs/fuzz.log" average_exec_per_sec)
  # 4. The corpus merged: only inputs that add coverage are kept for the next run.
  if ! $smoke && [ "$result" = ok ]; then
    rm -rf "$corpus.merged" && mkdir -p "$corpus.merged"
    if "$bin" -merge=1 "${options[@]}" "$corpus.merged" "$corpus" >"$logs/merge.log" 2>&1; then
      rm -rf "$corpus" && mv "$corpus.merged" "$corpus"
    fi
  fi
  line=$(printf '%-16s %10s %7s  cov %5s -> %5s (+%s)  ft %6s -> %6s (+%s)  corpus %5s  %s' "$name" \
    "${execs:-?}" "${rate:-?}" "${seed_cov:-?}" "${cov:-?}" "$(( ${cov:-0} - ${seed_cov:-0} ))" "${seed_ft:-?}" \
    "${ft:-?}" "$(( ${ft:-0} - ${seed_ft:-0} ))" "$(find "$corpus" -type f | wc -l)" "$result")
  echo "$line" >&2
  echo "$line" >"$logs/report"
  [ "$result" = ok ]
}

# The harnesses run side by side, one per core (TRK_JOBS, default 2).
status=0
running=0
for name in "${names[@]}"; do
  if [ "$running" -ge "${TRK_JOBS:-2}" ]; then
    wait -n || status=1
    running=$((running - 1))
  fi
  fuzz_one "$name" &
  running=$((running + 1))
done
while [ "$running" -gt 0 ]; do
  wait -n || status=1
  running=$((running - 1))
done
report=()
for name in "${names[@]}"; do
  report+=("$(cat "$build/logs/$name/report" 2>/dev/null || echo "$name: no report")")
done

echo >&2
printf '%-16s %10s %7s  %s\n' harness execs exec/s "coverage from the seeds -> at the end (growth)" >&2
printf '%s\n' "${report[@]}" >&2
if [ "$status" -ne 0 ]; then
  echo "fuzz.sh: FINDINGS (inputs under $build/findings/)" >&2
else
  echo "fuzz.sh: ${#names[@]} harnesses, ${seconds} s each, nothing found" >&2
fi
exit "$status"
