#!/bin/sh
# OLD and NEW of more than 1 MiB each are read at the same time (src/api/run.c,
# read_both); this compares that with reading them in turn
# (SNIPEPROOF_READ_IN_TURN=1) on generated updates of 20,000 resources, with
# and without errors on either side: the same standard output, standard
# error and exit status every time.
# Usage: read-apart.sh BUILD-DIR
build=${1:-build}
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
bin=$(cd "$build" && pwd)/snipeproof
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
python3 "$root/bench/gen.py" 20000 "$tmp" >/dev/null || { echo "read-apart: cannot generate inputs"; exit 1; }
cd "$tmp" || exit 1
size=$(wc -c <old.json)
[ "$size" -gt 1048576 ] || { echo "read-apart: inputs of $size bytes do not take the parallel path"; exit 1; }
head -c 3000000 old.json >old-cut.json
head -c 3500000 new.json >new-cut.json
sed '0,/"Resources": {/s//"Resources": {"Dup": {"Type": "X::Y"}, "Dup": {"Type": "X::Y"},/' new.json >new-dup.json
sed '0,/"Resources": {/s//"Resources": {"Undef": {"Type": "AWS::S3::Bucket", "Properties": {"BucketName": {"Ref": "Nope"}}},/' new.json >new-undef.json
pass=0; fail=0
for pair in "old.json new.json" "old-cut.json new.json" "old.json new-cut.json" \
            "old-cut.json new-cut.json" "old.json missing.json" "old-cut.json missing.json" \
            "missing.json new.json" "old.json new-dup.json" "old-cut.json new-dup.json" \
            "old.json new-undef.json" "new.json old.json"; do
  for cmd in "check --format json" model; do
    # shellcheck disable=SC2086
    "$bin" $cmd $pair >a.out 2>a.err; a=$?
    # shellcheck disable=SC2086
    SNIPEPROOF_READ_IN_TURN=1 "$bin" $cmd $pair >b.out 2>b.err; b=$?
    if [ $a = $b ] && cmp -s a.out b.out && cmp -s a.err b.err; then pass=$((pass+1)); else
      fail=$((fail+1)); echo "FAIL $cmd $pair: status $a / $b"; diff a.err b.err | head -5; fi
  done
done
echo "read-apart: $pass passed, $fail failed"
[ $fail = 0 ]
