#!/bin/sh
# `make install PREFIX=… DESTDIR=…` installs the program, its manual page
# and its bash completion, and nothing outside DESTDIR; the manual page
# renders without warnings (`man --warnings -l`) and names every command
# and option the program has.
# Usage: install.sh BUILD-DIR
build=${1:-build}
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
bin=$(cd "$build" && pwd)/snipeproof
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
pass=0; fail=0
check() { # NAME CONDITION...
  name=$1; shift
  if "$@"; then pass=$((pass+1)); else fail=$((fail+1)); echo "FAIL $name"; fi
}

# The build folder as make sees it (relative to the top-level Makefile).
build_abs=$(cd "$build" && pwd)
dest=$tmp/stage
if make -s -C "$root" install BUILD="$build_abs" DESTDIR="$dest" PREFIX=/opt/snipeproof \
     >"$tmp/make.out" 2>&1; then
  check "the program" test -x "$dest/opt/snipeproof/bin/snipeproof"
  check "the manual page" test -f "$dest/opt/snipeproof/share/man/man1/snipeproof.1"
  check "the bash completion" test -f "$dest/opt/snipeproof/share/bash-completion/completions/snipeproof"
  check "the program runs" sh -c "'$dest/opt/snipeproof/bin/snipeproof' --version | grep -q '^snipeproof '"
  check "the manual page is the one of the tree" cmp -s "$root/man/snipeproof.1" "$dest/opt/snipeproof/share/man/man1/snipeproof.1"
  extra=$(cd "$dest" && find . -type f | grep -v '^\./opt/snipeproof/' | head -3)
  check "nothing outside PREFIX (${extra:-none})" test -z "$extra"
else
  fail=$((fail+1)); echo "FAIL make install:"; sed -n 1,10p "$tmp/make.out"
fi

# The manual page renders without warnings.
if command -v man >/dev/null 2>&1 && man --help 2>&1 | grep -q -- --warnings; then
  MANWIDTH=80 man --warnings -l "$root/man/snipeproof.1" >"$tmp/man.txt" 2>"$tmp/man.err"
  check "man -l renders" test -s "$tmp/man.txt"
  check "man --warnings prints nothing ($(head -c 200 "$tmp/man.err"))" test ! -s "$tmp/man.err"
else
  echo "install: man(1) with --warnings is not installed: rendering not checked"
fi

# Every command and every long option is in the manual page.
for c in $("$bin" --help | sed -n '/^Commands:/,/^$/s/^  \([a-z][a-z-]*\) .*/\1/p'); do
  check "the manual page names the command $c" grep -q "^\.B $c\\b" "$root/man/snipeproof.1"
done
for o in $("$bin" --help | sed -n 's/^ *\(-[A-Za-z0-9], \)\{0,1\}--\([a-z][a-z-]*\).*/\2/p'); do
  esc=$(printf '%s' "$o" | sed 's/-/\\\\-/g')
  check "the manual page describes --$o" grep -q "\\\\-\\\\-$esc" "$root/man/snipeproof.1"
done
echo "install: $pass passed, $fail failed"
[ $fail = 0 ]
