#!/bin/sh
# Data-driven cases: every folder tests/cases/NAME holds
#   args           the command line after `snipeproof` (one line, split on spaces)
#   inputs         old.yaml, new.json, … as the args name them
#   expect.status  the exit status (required)
#   expect.stdout  exact standard output (optional)
#   expect.stderr  exact standard error (optional)
#   expect.jq      a jq program that must print `true` for the JSON on stdout (optional)
#   expect.files/  files the command must write (in the case folder), byte for byte
#                  (optional)
#   twin           another command line (optional): its stdout is given to expect.jq as
#                  $twin (a one-element array), to compare two runs (a guix deploy file
#                  and its topology-file twin)
# The command runs inside a fresh copy of the case folder (so that a command
# that writes files, such as `apply` and its journal, leaves the tree as it
# was and runs the same every time); messages name files as given.
# Usage: run-cases.sh SNIPEPROOF [NAME-FILTER]
bin=$(cd "$(dirname "$1")" && pwd)/$(basename "$1")
filter=${2:-}
here=$(cd "$(dirname "$0")" && pwd)
pass=0; fail=0; failed=""
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
for dir in "$here"/cases/*/; do
  name=$(basename "$dir")
  case "$name" in *"$filter"*) ;; *) continue ;; esac
  if [ ! -f "$dir/args" ] || [ ! -f "$dir/expect.status" ]; then
    echo "FAIL $name: needs args and expect.status"; fail=$((fail+1)); continue
  fi
  args=$(cat "$dir/args")
  rm -rf "$tmp/case" && cp -R "$dir" "$tmp/case"
  # shellcheck disable=SC2086
  (cd "$tmp/case" && NO_COLOR=1 $SP_WRAPPER "$bin" $args >"$tmp/out" 2>"$tmp/err"; echo $? >"$tmp/status")
  ok=1; why=""
  want=$(cat "$dir/expect.status"); got=$(cat "$tmp/status")
  [ "$want" = "$got" ] || { ok=0; why="status $got, expected $want"; }
  if [ $ok = 1 ] && [ -f "$dir/expect.stdout" ] && ! diff -u "$dir/expect.stdout" "$tmp/out" >"$tmp/diff"; then
    ok=0; why="stdout differs"; fi
  if [ $ok = 1 ] && [ -f "$dir/expect.stderr" ] && ! diff -u "$dir/expect.stderr" "$tmp/err" >"$tmp/diff"; then
    ok=0; why="stderr differs"; fi
  if [ $ok = 1 ] && [ -d "$dir/expect.files" ]; then
    for f in "$dir"/expect.files/*; do
      if ! diff -u "$f" "$tmp/case/$(basename "$f")" >"$tmp/diff" 2>&1; then
        ok=0; why="the written $(basename "$f") differs"; break; fi
    done
  fi
  if [ $ok = 1 ] && [ -f "$dir/expect.jq" ]; then
    twin_arg=""
    if [ -f "$dir/twin" ]; then
      # shellcheck disable=SC2046
      (cd "$tmp/case" && NO_COLOR=1 "$bin" $(cat "$dir/twin") >"$tmp/twin.out" 2>/dev/null)
      twin_arg="--slurpfile twin $tmp/twin.out"
    fi
    # shellcheck disable=SC2086
    res=$(jq -e $twin_arg -f "$dir/expect.jq" <"$tmp/out" 2>&1) || { ok=0; why="jq check failed: $res"; }
  fi
  if [ $ok = 1 ]; then pass=$((pass+1)); else
    fail=$((fail+1)); echo "FAIL $name: $why"
    [ -f "$tmp/diff" ] && [ "$why" != "${why#std}" ] && head -40 "$tmp/diff"
    sed -n 1,10p "$tmp/err" | sed 's/^/  stderr: /'
  fi
  rm -f "$tmp/diff"
done
echo "$pass passed, $fail failed"
[ $fail = 0 ]
