#!/bin/sh
# Loads every update pair of the shared CloudFormation corpus
# (../shared/corpus/cfn-pairs/ID/before.EXT -> after.EXT) into a model with
# `snipeproof model`, and reports how many load, which do not and why.
# Pairs that CloudFormation itself would reject may fail with exit status 2
# when listed in corpus-load.expect (one ID per line, then a reason);
# every other pair must load.  Also reports the share of the corpus's
# resources whose type the catalogue models, and checks that JSON/YAML
# twins in the corpus give the same model.
# Usage: corpus-load.sh BUILD-DIR
build=${1:-build}
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
corpus=${SP_CORPUS:-$root/../shared/corpus/cfn-pairs}
if [ ! -d "$corpus" ]; then
  echo "corpus-load: skipped: no corpus at $corpus"
  exit 0
fi
bin=$(cd "$build" && pwd)/snipeproof
expect="$here/corpus-load.expect"
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
ok=0; expected=0; bad=0; total=0
comps=0; unmodelled=0
: >"$tmp/failures"
for dir in "$corpus"/*/; do
  id=$(basename "$dir")
  before=$(ls "$dir" | grep '^before\.' | head -1)
  after=$(ls "$dir" | grep '^after\.' | head -1)
  [ -n "$before" ] && [ -n "$after" ] || continue
  total=$((total+1))
  "$bin" model "$dir$before" "$dir$after" >"$tmp/out" 2>"$tmp/err"
  st=$?
  listed=0
  grep -q "^$id[[:space:]]" "$expect" 2>/dev/null && listed=1
  if [ $st = 0 ]; then
    ok=$((ok+1))
    n=$(sed -n 's/^model [a-z]*: \([0-9]*\) components.*/\1/p' "$tmp/out")
    u=$(sed -n 's/^unmodelled \([0-9]*\):.*/\1/p' "$tmp/out")
    comps=$((comps + ${n:-0})); unmodelled=$((unmodelled + ${u:-0}))
    if [ $listed = 1 ]; then
      echo "note: $id loads now; it can leave corpus-load.expect"
    fi
  elif [ $st = 2 ] && [ $listed = 1 ]; then
    expected=$((expected+1))
    printf '%s\t(expected) %s\n' "$id" "$(grep -m1 'error:' "$tmp/err")" >>"$tmp/failures"
  else
    bad=$((bad+1))
    printf '%s\tstatus %s: %s\n' "$id" "$st" "$(grep -m1 'error:' "$tmp/err")" >>"$tmp/failures"
    echo "FAIL $id: status $st"
    sed -n 1,3p "$tmp/err" | sed 's/^/  /'
  fi
done
echo "corpus-load: $total pairs: $ok load, $expected fail as expected, $bad fail unexpectedly"
if [ -s "$tmp/failures" ]; then
  echo "pairs that do not load:"
  sed 's/^/  /' "$tmp/failures"
fi
if [ $comps -gt 0 ]; then
  modelled=$((comps - unmodelled))
  echo "corpus-load: $modelled of $comps components (over all loaded pairs) have a modelled type ($((modelled * 100 / comps))%)"
fi
# JSON/YAML twins (the same template in both syntaxes, same commit) must
# give the same model when both load.
twins=0; twins_differ=0
for dir in "$corpus"/*.json__*/; do
  id=$(basename "$dir")
  pre=${id%%.json__*}; hash=${id##*__}
  for ext in yaml yml; do
    other="$corpus/$pre.${ext}__$hash"
    [ -d "$other" ] || continue
    "$bin" model "$dir"before.json "$dir"after.json >"$tmp/j" 2>/dev/null || continue
    "$bin" model "$other"/before.$ext "$other"/after.$ext >"$tmp/y" 2>/dev/null || continue
    twins=$((twins+1))
    if ! cmp -s "$tmp/j" "$tmp/y"; then
      twins_differ=$((twins_differ+1)); bad=$((bad+1))
      echo "FAIL twins $pre ($hash): JSON and YAML give different models"
      diff "$tmp/j" "$tmp/y" | head -10 | sed 's/^/  /'
    fi
  done
done
echo "corpus-load: $twins JSON/YAML twin pairs load, $twins_differ give different models"
[ $bad = 0 ]
