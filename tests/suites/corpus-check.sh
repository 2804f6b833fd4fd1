#!/bin/sh
# Runs `snipeproof check` (and the roll-back) on every update pair of the
# shared CloudFormation corpus: no crash, no internal error, no run longer
# than a bound.  Pairs listed in corpus-load.expect (templates that
# CloudFormation itself rejects) must end with exit status 2; every other
# pair ends with 0 (no window), 1 (windows) or 3 (a bound was reached).
# Prints how many pairs show windows, the kinds found, and the slowest pairs.
# Usage: corpus-check.sh BUILD-DIR
build=${1:-build}
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
corpus=${SP_CORPUS:-$root/../shared/corpus/cfn-pairs}
if [ ! -d "$corpus" ]; then
  echo "corpus-check: skipped: no corpus at $corpus"
  exit 0
fi
bin=$(cd "$build" && pwd)/snipeproof
expect="$here/corpus-load.expect"
limit=${SP_CORPUS_TIMEOUT:-60}
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
total=0; windows=0; safe=0; incomplete=0; rejected=0; bad=0
: >"$tmp/times"; : >"$tmp/kinds"
for dir in "$corpus"/*/; do
  id=$(basename "$dir")
  before=$(ls "$dir" | grep '^before\.' | head -1)
  after=$(ls "$dir" | grep '^after\.' | head -1)
  [ -n "$before" ] && [ -n "$after" ] || continue
  total=$((total+1))
  start=$(date +%s%N)
  timeout "$limit" "$bin" check --rollback --format json "$dir$before" "$dir$after" \
    >"$tmp/out" 2>"$tmp/err"
  st=$?
  end=$(date +%s%N)
  echo "$(( (end - start) / 1000000 )) $id" >>"$tmp/times"
  listed=0
  grep -q "^$id[[:space:]]" "$expect" 2>/dev/null && listed=1
  case "$st:$listed" in
    0:0) safe=$((safe+1)) ;;
    1:0) windows=$((windows+1))
         jq -r '.[] | .direction as $d | .findings[] | "\($d) \(.kind)"' "$tmp/out" >>"$tmp/kinds" ;;
    3:0) incomplete=$((incomplete+1)); echo "incomplete: $id" ;;
    2:1) rejected=$((rejected+1)) ;;
    *)   bad=$((bad+1)); echo "FAIL $id: exit status $st"; sed -n 1,5p "$tmp/err" | sed 's/^/  /' ;;
  esac
done
echo "corpus-check: $total pairs: $windows with windows, $safe without, $incomplete incomplete, $rejected rejected as CloudFormation would, $bad failed"
sort "$tmp/kinds" | uniq -c | sed 's/^/corpus-check: findings: /'
echo "corpus-check: slowest pairs (ms):"
sort -rn "$tmp/times" | head -5 | sed 's/^/  /'
[ $bad = 0 ]
