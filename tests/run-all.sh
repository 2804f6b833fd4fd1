#!/bin/sh
# Runs every test against build folder $1: unit tests, the API harness,
# the data-driven cases and the corpus checks; prints a summary last.
build=${1:-build}
here=$(cd "$(dirname "$0")" && pwd)
status=0
suites=0; failed_suites=""
run() {
  name=$1; shift
  suites=$((suites+1))
  echo "== $name"
  if "$@"; then :; else failed_suites="$failed_suites $name"; status=1; fi
}
for t in "$build"/tests/test_*; do
  [ -x "$t" ] || continue
  run "$(basename "$t")" "$t"
done
[ -x "$build/tests/api_test" ] && run api_test "$build/tests/api_test"
run cases sh "$here/run-cases.sh" "$build/snipeproof"
for s in "$here"/suites/*.sh; do
  [ -f "$s" ] || continue
  run "$(basename "$s" .sh)" sh "$s" "$build"
done
if [ $status = 0 ]; then echo "all $suites suites passed"; else echo "failed suites:$failed_suites"; fi
exit $status
