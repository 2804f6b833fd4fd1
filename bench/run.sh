#!/bin/sh
# `make bench`: times `snipeproof check` on synthetic updates of 2,000,
# 20,000 and 100,000 resources against a parse-only baseline measured in
# the same run (`jq -c . OLD NEW`), times the whole shared corpus, and
# reports peak memory.  Every time is the median of REPEAT runs; results
# are ratios, because these machines are noisy.
#
#   sh bench/run.sh [SNIPEPROOF] [SIZES...]      (REPEAT=3 by default)
#
# Targets (issue 7): 20,000 resources in at most 0.25 x jq's time; ten
# times more resources at most 12 x the time; 100,000 resources under
# 1 GiB; the corpus under 2 s.
set -eu
bin=${1:-build/snipeproof}
shift 2>/dev/null || true
sizes=${*:-2000 20000 100000}
repeat=${REPEAT:-3}
here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
corpus=$root/../shared/corpus/cfn-pairs
work=${BENCH_DIR:-$(mktemp -d)}
trap '[ -n "${BENCH_DIR:-}" ] || rm -rf "$work"' EXIT
command -v jq >/dev/null || { echo "bench: needs jq (apt-get install jq)"; exit 2; }
[ -x /usr/bin/time ] || { echo "bench: needs GNU time (apt-get install time)"; exit 2; }

# median_run OUTVAR-PREFIX CMD...: runs CMD $repeat times; sets $secs (median
# wall seconds) and $kb (largest peak RSS).
median_run() {
    : >"$work/runs"
    i=0
    while [ $i -lt "$repeat" ]; do
        /usr/bin/time -f "%e %M" -o "$work/one" "$@" >/dev/null 2>"$work/err" || true
        tail -1 "$work/one" >>"$work/runs"
        i=$((i + 1))
    done
    secs=$(sort -n "$work/runs" | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}')
    kb=$(sort -n -k2 "$work/runs" | tail -1 | awk '{print $2}')
}

printf '%-10s %8s %8s %9s %9s %8s %9s\n' resources "MB" "jq s" "check s" "ratio" "peak MB" "vs prev"
prev_secs=""; prev_n=""
for n in $sizes; do
    d=$work/$n
    mkdir -p "$d"
    [ -f "$d/new.json" ] || python3 "$here/gen.py" "$n" "$d"
    mb=$(du -cm "$d/old.json" "$d/new.json" | tail -1 | cut -f1)
    median_run jq -c . "$d/old.json" "$d/new.json"
    jq_secs=$secs
    median_run "$bin" check --format json "$d/old.json" "$d/new.json"
    check_secs=$secs; check_kb=$kb
    ratio=$(awk -v a="$check_secs" -v b="$jq_secs" 'BEGIN {printf "%.3f", (b > 0 ? a / b : 0)}')
    growth="-"
    if [ -n "$prev_secs" ]; then
        growth=$(awk -v a="$check_secs" -v b="$prev_secs" -v n="$n" -v p="$prev_n" \
            'BEGIN {printf "%.1fx/%dx", (b > 0 ? a / b : 0), n / p}')
    fi
    printf '%-10s %8s %8s %9s %9s %8d %9s\n' "$n" "$mb" "$jq_secs" "$check_secs" "$ratio" \
        $((check_kb / 1024)) "$growth"
    prev_secs=$check_secs; prev_n=$n
done

if [ -d "$corpus" ]; then
    cat >"$work/corpus.sh" <<SCRIPT
for d in "$corpus"/*/; do
  b=\$(ls "\$d" | grep '^before\\.' | head -1); a=\$(ls "\$d" | grep '^after\\.' | head -1)
  "$bin" check --format json "\$d\$b" "\$d\$a" >/dev/null 2>&1
done
SCRIPT
    cat >"$work/corpus-jq.sh" <<SCRIPT
for d in "$corpus"/*/; do
  b=\$(ls "\$d" | grep '^before\\.' | head -1); a=\$(ls "\$d" | grep '^after\\.' | head -1)
  case "\$b" in *.json) jq -c . "\$d\$b" "\$d\$a" >/dev/null 2>&1 ;; *) cat "\$d\$b" "\$d\$a" >/dev/null ;; esac
done
SCRIPT
    median_run sh "$work/corpus.sh"
    corpus_secs=$secs
    median_run sh "$work/corpus-jq.sh"
    printf '\ncorpus: %s pairs checked in %s s (target < 2 s); jq over its JSON pairs: %s s\n' \
        "$(ls -d "$corpus"/*/ | wc -l)" "$corpus_secs" "$secs"
else
    printf '\ncorpus: skipped (no %s)\n' "$corpus"
fi
