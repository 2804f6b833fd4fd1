#!/bin/sh
# `fix` end to end (issue 4, "Done when"): for every data-driven case of
# tests/cases that runs `check` or `plan` on an update (OLD NEW files in
# its folder), and for every bundled example (examples/*/old.* new.*), run
# `snipeproof fix OLD NEW -o OUT` (with the case's --param / --types /
# --assume-transitive-order options) into a scratch folder and check:
#   - safe: OUT is NEW byte for byte;
#   - ordered: `check OLD OUT` finds no window, and OUT differs from NEW
#     only by DependsOn additions: the model dump gains only "dep X
#     declared" lines and the order edges they imply, and the text diff
#     only adds lines or changes a DependsOn line (JSON: a comma too);
#   - phased: OLD -> OUT.phase1.EXT -> ... -> OUT each re-check with no
#     window, and OUT is NEW plus DependsOn additions as above;
#   - impossible: exit status 1 and nothing written;
#   - a phased plan with a step SAM text cannot express: exit status 2,
#     the reason on standard error, and nothing written;
#   - the inputs are never modified.
# Usage: fix-cases.sh BUILD-DIR
build=${1:-build}
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
bin=$(cd "$build" && pwd)/snipeproof
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
pass=0; fail=0; counts=""
note() { counts="$counts $1"; }
bad() { fail=$((fail+1)); echo "FAIL $1: $2"; }

# Only DependsOn (after:) additions between two texts and two models.
only_additions() { # NAME OLD NEW OUT
  name=$1; old=$2; new=$3; out=$4
  (cd "$(dirname "$new")" && NO_COLOR=1 "$bin" model $opts "$old" "$new") >"$tmp/m0" 2>/dev/null
  (cd "$(dirname "$new")" && NO_COLOR=1 "$bin" model $opts "$old" "$out") >"$tmp/m1" 2>/dev/null
  if diff "$tmp/m0" "$tmp/m1" | grep '^[<>]' | grep -v '^>     dep [^ ]* declared$' |
       grep -v '^>   e[0-9]* -> e[0-9]* ' >"$tmp/md"; then
    bad "$name" "the model of $(basename "$out") differs from NEW's by more than dependencies"
    head -5 "$tmp/md" | sed 's/^/  /'; return 1
  fi
  if diff "$new" "$out" | grep '^[<>]' |
       grep -v -e 'DependsOn' -e 'after:' -e '^> *- [A-Za-z0-9_."-]*$' -e '^> *"[A-Za-z0-9]*",\{0,1\}$' \
               -e '^< .*[^,]$' >"$tmp/td"; then
    bad "$name" "the text of $(basename "$out") differs from NEW's by more than DependsOn lines"
    head -5 "$tmp/td" | sed 's/^/  /'; return 1
  fi
  # A line removed (changed) must come back with insertions only.
  removed=$(diff "$new" "$out" | grep -c '^<')
  [ "$removed" -le "$(diff "$new" "$out" | grep -c '^[0-9,]*c[0-9,]*$')" ] || {
    bad "$name" "lines of NEW were removed"; return 1; }
  return 0
}

one() { # NAME DIR OLD NEW OPTIONS…
  name=$1; dir=$2; old=$3; new=$4; shift 4; opts="$*"
  ext=${new##*.}; out="$tmp/$name.$ext"
  rm -f "$tmp/$name".*
  sum0=$(cd "$dir" && cat "$old" "$new" | cksum)
  (cd "$dir" && NO_COLOR=1 "$bin" fix $opts "$old" "$new" -o "$out") >"$tmp/stdout" 2>"$tmp/stderr"
  st=$?
  sum1=$(cd "$dir" && cat "$old" "$new" | cksum)
  [ "$sum0" = "$sum1" ] || { bad "$name" "fix modified its inputs"; return; }
  verdict=$(head -1 "$tmp/stdout" | sed 's/:.*//')
  case "$st:$verdict" in
  0:Safe)
    cmp -s "$dir/$new" "$out" || { bad "$name" "safe, but OUT is not NEW"; return; }
    note safe ;;
  0:Ordered)
    (cd "$dir" && NO_COLOR=1 "$bin" check $opts "$old" "$out") >/dev/null 2>&1 ||
      { bad "$name" "check OLD OUT still finds a window (status $?)"; return; }
    only_additions "$name" "$dir/$old" "$dir/$new" "$out" || return
    note ordered ;;
  1:Phased)
    prev="$dir/$old"; i=1
    while [ -f "$tmp/$name.phase$i.$ext" ]; do
      cur="$tmp/$name.phase$i.$ext"
      (cd "$dir" && NO_COLOR=1 "$bin" check $opts "$prev" "$cur") >/dev/null 2>&1 ||
        { bad "$name" "step $i does not re-check clean"; return; }
      prev=$cur; i=$((i+1))
    done
    [ $i -gt 1 ] || { bad "$name" "phased, but no phase file"; return; }
    (cd "$dir" && NO_COLOR=1 "$bin" check $opts "$prev" "$out") >/dev/null 2>&1 ||
      { bad "$name" "the last step does not re-check clean"; return; }
    only_additions "$name" "$dir/$old" "$dir/$new" "$out" || return
    note phased ;;
  1:*)
    if grep -q '^Impossible' "$tmp/stdout" && grep -q '^Nothing written' "$tmp/stdout"; then
      ls "$tmp/$name".* >/dev/null 2>&1 && { bad "$name" "impossible, but files were written"; return; }
      note impossible
    else
      bad "$name" "status 1 without a phased or impossible verdict"; sed 's/^/  /' "$tmp/stdout" | head -3; return
    fi ;;
  2:*)
    # A step with SAM resources that inherit changed Globals at different
    # versions has no SAM text (docs/fix.md): refused, nothing written,
    # and counted.
    if grep -q -e 'take part of their definitions from here' -e 'has nothing to hold them in' "$tmp/stderr"; then
      ls "$tmp/$name".* >/dev/null 2>&1 && { bad "$name" "refused, but files were written"; return; }
      note unwritable
    else
      bad "$name" "status $st"; sed 's/^/  /' "$tmp/stderr" | head -5; return
    fi ;;
  *)
    bad "$name" "status $st"; sed 's/^/  /' "$tmp/stderr" | head -5; return ;;
  esac
  pass=$((pass+1))
}

for dir in "$root"/tests/cases/*/; do
  name=$(basename "$dir")
  args=$(cat "$dir/args" 2>/dev/null) || continue
  status=$(cat "$dir/expect.status" 2>/dev/null)
  set -- $args
  case "$1" in check|plan) ;; *) continue ;; esac
  [ "$status" = 0 ] || [ "$status" = 1 ] || continue
  shift
  files=""; opts=""
  while [ $# -gt 0 ]; do
    case "$1" in
      --param|--types) opts="$opts $1 $2"; shift ;;
      --param=*|--types=*|--assume-transitive-order|--strict) opts="$opts $1" ;;
      --max-states|--format) shift ;;
      -*) ;;
      *) [ -f "$dir/$1" ] && files="$files $1" ;;
    esac
    shift
  done
  set -- $files
  [ $# = 2 ] || continue
  one "$name" "$dir" "$1" "$2" $opts
done
for dir in "$root"/examples/*/; do
  old=$(cd "$dir" && ls old.* 2>/dev/null | head -1); new=$(cd "$dir" && ls new.* 2>/dev/null | head -1)
  [ -n "$old" ] && [ -n "$new" ] || continue
  # guix deploy files take their order from a topology file (--topology),
  # which fix does not write.
  case "$new" in *.scm) continue ;; esac
  one "example-$(basename "$dir")" "$dir" "$old" "$new"
done
summary=$(for c in $counts; do echo "$c"; done | sort | uniq -c | awk '{printf "%s%d %s", (NR > 1 ? ", " : ""), $1, $2}')
echo "fix-cases: $pass passed, $fail failed ($summary)"
[ $fail = 0 ]
