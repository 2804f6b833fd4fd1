#!/bin/sh
# Bash completion (completion/snipeproof.bash): commands, each command's
# options (as its --help lists them), formats, files and git revisions.
# Usage: completion.sh BUILD-DIR
build=${1:-build}
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
bin=$(cd "$build" && pwd)/snipeproof
if ! command -v bash >/dev/null 2>&1; then
  echo "completion: skipped: bash is not installed"; exit 0
fi
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp/dir/stacks"
: >"$tmp/dir/web.yaml"; : >"$tmp/dir/api.json"; : >"$tmp/dir/notes.txt"
git init -q -b main "$tmp/dir" 2>/dev/null && git -C "$tmp/dir" -c user.name=t -c user.email=t@t \
  commit -q --allow-empty -m x 2>/dev/null && git -C "$tmp/dir" branch -q release 2>/dev/null
cd "$tmp/dir" || exit 1
BIN=$bin COMPLETION=$root/completion/snipeproof.bash bash <<'EOS'
source "$COMPLETION" || exit 1
pass=0 fail=0
# expect "WORDS..." "WANTED (space separated, in order)": the last word is
# the one being completed.
expect() {
  read -r -a COMP_WORDS <<<"$1"
  [[ $1 == *" " ]] && COMP_WORDS+=("")
  COMP_WORDS[0]=$BIN
  COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
  COMPREPLY=()
  _snipeproof
  local got
  got=$(printf '%s\n' "${COMPREPLY[@]}" | sort | tr '\n' ' ' | sed 's/ $//')
  local want
  want=$(tr ' ' '\n' <<<"$2" | sort | tr '\n' ' ' | sed 's/ $//')
  if [[ $got == "$want" ]]; then ((pass++)); else ((fail++)); echo "FAIL '$1': got '$got', wanted '$want'"; fi
}
contains() { # WORDS WORD...: the completions include each WORD
  read -r -a COMP_WORDS <<<"$1"
  [[ $1 == *" " ]] && COMP_WORDS+=("")
  COMP_WORDS[0]=$BIN
  COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
  COMPREPLY=()
  _snipeproof
  shift
  local w
  for w in "$@"; do
    if printf '%s\n' "${COMPREPLY[@]}" | grep -qx -- "$w"; then ((pass++)); else ((fail++)); echo "FAIL '$1': no '$w' in '${COMPREPLY[*]}'"; fi
  done
}
expect "snipeproof " "check plan fix graph apply types model help"
expect "snipeproof gr" "graph"
expect "snipeproof -" "--help --version"
expect "snipeproof check --format " "text json sarif"
expect "snipeproof graph --format " "dot"
expect "snipeproof plan --format=" "text json"
expect "snipeproof check --format=s" "sarif"
expect "snipeproof check --format json " "stacks web.yaml api.json"
expect "snipeproof --format json check " "stacks web.yaml api.json"
expect "snipeproof help " "check plan fix graph apply types model help"
expect "snipeproof check --base " "HEAD main release"
expect "snipeproof check --base re" "release"
expect "snipeproof check sta" "stacks"
expect "snipeproof types " ""
expect "snipeproof check --types " "api.json notes.txt stacks web.yaml"
expect "snipeproof fix -o w" "web.yaml"
expect "snipeproof apply --jobs " ""
expect "snipeproof check --max-states 5 --types w" "web.yaml"
expect "snipeproof --types notes.txt check --format " "text json sarif"
contains "snipeproof check --" --base --format --param --rollback --no-color --quiet --strict --types
contains "snipeproof graph --" --base --format --param --types --strict
contains "snipeproof fix -" -o --output --in-place --base
contains "snipeproof apply --" --jobs --dry-run --journal --resume --force
# Every option the program lists under some command completes there.
for c in check plan fix graph apply types model; do
  for o in $("$BIN" "$c" --help | sed -n 's/^ *\(-[A-Za-z0-9], \)\{0,1\}\(--[a-z][a-z-]*\).*/\2/p'); do
    contains "snipeproof $c --" "$o"
  done
done
echo "completion: $pass passed, $fail failed"
((fail == 0))
EOS
