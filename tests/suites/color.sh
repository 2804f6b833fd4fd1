#!/bin/sh
# Colour only on a terminal: pipes get none, NO_COLOR (set and not empty)
# and --no-color turn it off on a terminal too (a terminal is made with
# script(1) when it is installed); -q prints the findings only.
# Usage: color.sh BUILD-DIR
build=${1:-build}
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
bin=$(cd "$build" && pwd)/snipeproof
case_dir=$root/tests/cases/suppress-unused   # a window, a suppressed none, a warning
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
pass=0; fail=0
esc=$(printf '\033')
has_esc() { grep -q "$esc\[" "$1"; }
check() { # NAME CONDITION...
  name=$1; shift
  if "$@"; then pass=$((pass+1)); else fail=$((fail+1)); echo "FAIL $name"; fi
}
not() { ! "$@"; }

cd "$case_dir" || exit 1
# Pipes: no colour, whatever the environment says.
env -u NO_COLOR "$bin" check old.yaml new.yaml >"$tmp/out" 2>"$tmp/err"
check "a pipe gets no colour (stdout)" not has_esc "$tmp/out"
check "a pipe gets no colour (stderr)" not has_esc "$tmp/err"
check "the report is there" grep -q 'exposure window: Web' "$tmp/out"

# -q: the findings only, no summary line, no warning.
env -u NO_COLOR "$bin" check -q old.yaml new.yaml >"$tmp/out" 2>"$tmp/err"
check "-q keeps the findings" grep -q 'exposure window: Web' "$tmp/out"
check "-q drops the summary" not grep -q 'sniping window\.' "$tmp/out"
check "-q drops warnings" test ! -s "$tmp/err"
"$bin" check -q "$root/tests/cases/graph-cfn-update/new.yaml" "$root/tests/cases/graph-cfn-update/new.yaml" >"$tmp/out" 2>"$tmp/err"
check "-q without a window prints nothing" test ! -s "$tmp/out"

if ! command -v script >/dev/null 2>&1 || ! script -qec true /dev/null >/dev/null 2>&1; then
  echo "color: script(1) is missing: terminal checks skipped"
else
  # On a terminal (stdout and stderr both on the pty).
  tty_run() { script -qec "$*" /dev/null >"$tmp/tty" 2>&1 </dev/null; }
  tty_run env -u NO_COLOR "$bin" check old.yaml new.yaml
  check "a terminal gets colour" has_esc "$tmp/tty"
  tty_run env NO_COLOR= "$bin" check old.yaml new.yaml
  check "an empty NO_COLOR does not count" has_esc "$tmp/tty"
  tty_run env NO_COLOR=1 "$bin" check old.yaml new.yaml
  check "NO_COLOR turns colour off on a terminal" not has_esc "$tmp/tty"
  check "NO_COLOR keeps the warning" grep -q 'warning: this suppression matches no' "$tmp/tty"
  tty_run env -u NO_COLOR "$bin" check --no-color old.yaml new.yaml
  check "--no-color turns colour off on a terminal" not has_esc "$tmp/tty"
  tty_run env -u NO_COLOR "$bin" check --format json old.yaml new.yaml "2>/dev/null"
  check "JSON is never coloured" not has_esc "$tmp/tty"
  check "JSON is there" grep -q '"windows": 1' "$tmp/tty"
fi
echo "color: $pass passed, $fail failed"
[ $fail = 0 ]
