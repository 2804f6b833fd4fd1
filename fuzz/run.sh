#!/bin/sh
# Builds the libFuzzer harnesses into build-fuzz (or $FUZZ_BUILD) and runs each for SECONDS
# (default 60).  Usage: sh fuzz/run.sh [SECONDS] [HARNESS...]
#
# Seeds: the data-driven test cases and examples of this repository and,
# when it is there, ../shared/corpus (read in place, never copied).  New
# inputs accumulate in fuzz/corpus-NAME/; findings are written as
# fuzz/crash-*, leak-*, timeout-*, oom-* (all git-ignored).  Exits non-zero
# when a harness does not build or finds anything.
set -u
seconds=${1:-60}
[ $# -gt 0 ] && shift
harnesses=${*:-"fuzz_yaml fuzz_json fuzz_cfn fuzz_sexp fuzz_guix"}
here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
build=${FUZZ_BUILD:-$root/build-fuzz}
cc=${FUZZ_CC:-clang}

if ! command -v "$cc" >/dev/null 2>&1; then
  echo "fuzz: needs clang (apt-get install clang), or FUZZ_CC=path" >&2
  exit 2
fi
cmake -S "$root" -B "$build" -DCMAKE_C_COMPILER="$cc" -DSP_FUZZ=ON -DSP_TESTS=OFF \
      -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null || exit 2

seeds=""
for d in "$root/tests/cases" "$root/examples" "$root/../shared/corpus"; do
  [ -d "$d" ] && seeds="$seeds $d"
done

status=0
for h in $harnesses; do
  echo "== $h: building"
  if ! cmake --build "$build" -j2 --target "$h" >"$build/$h.build.log" 2>&1; then
    echo "FAIL $h: does not build (see $build/$h.build.log)"
    tail -20 "$build/$h.build.log"
    status=1
    continue
  fi
  corpus=$here/corpus-${h#fuzz_}
  mkdir -p "$corpus"
  # A harness's own dictionary (fuzz/NAME.dict), else the YAML one: templates
  # are mostly YAML, so it serves the front-end harness too.
  dict="-dict=$here/yaml.dict"
  [ -f "$here/${h#fuzz_}.dict" ] && dict="-dict=$here/${h#fuzz_}.dict"
  echo "== $h: fuzzing for ${seconds}s"
  # Shorter inputs fuzz faster; longer seeds are cut (FUZZ_MAX_LEN bytes).
  # shellcheck disable=SC2086
  ASAN_OPTIONS=detect_leaks=1:allocator_may_return_null=1 \
  UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
  "$build/fuzz/$h" -max_total_time="$seconds" -max_len="${FUZZ_MAX_LEN:-16384}" -timeout=10 \
      -rss_limit_mb=2048 -print_final_stats=1 -artifact_prefix="$here/" \
      $dict "$corpus" $seeds >"$build/$h.log" 2>&1
  rc=$?
  grep -E "^(stat::number_of_executed_units|stat::average_exec_per_sec|stat::peak_rss_mb)" \
      "$build/$h.log" | sed "s/^/   /"
  if [ $rc -ne 0 ]; then
    echo "FAIL $h: exit $rc; log $build/$h.log"
    grep -E "ERROR|SUMMARY|invariant|disagree|Test unit written" "$build/$h.log" | head -10
    status=1
  else
    echo "ok   $h"
  fi
done
exit $status
