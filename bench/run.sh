#!/bin/sh
# `make bench`: times `snipeproof check` on synthetic updates of 2,000,
# 20,000 and 100,000 resources against a parse-only baseline measured in
# the same run (`jq -c . OLD NEW`), times the whole shared corpus, and
# reports peak memory.  Every time is the median of REPEAT runs; results
# are ratios, because these machines are noisy.
#
#   sh bench/run.sh [SNIPEPROOF] [SIZES...]      (REPEAT=3 by default)
#
# CORPUS names the folder of pairs (default ../shared/corpus/cfn-pairs next
# to the project); BENCH_DIR keeps the generated inputs between runs.
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
corpus=${CORPUS:-$root/../shared/corpus/cfn-pairs}
work=${BENCH_DIR:-$(mktemp -d)}
trap '[ -n "${BENCH_DIR:-}" ] || rm -rf "$work"' EXIT
command -v jq >/dev/null || { echo "bench: needs jq (apt-get install jq)"; exit 2; }
command -v python3 >/dev/null || { echo "bench: needs python3"; exit 2; }
[ -x /usr/bin/time ] || { echo "bench: needs GNU time (apt-get install time)"; exit 2; }

# median_run CMD...: runs CMD $repeat times; sets $secs (median wall
# seconds, timed by timeit.py to the microsecond).
median_run() {
    : >"$work/runs"
    i=0
    while [ $i -lt "$repeat" ]; do
        python3 "$here/timeit.py" "$work/runs" "$@"
        i=$((i + 1))
    done
    secs=$(sort -n "$work/runs" | awk '{a[NR]=$1} END {printf "%.3f", a[int((NR+1)/2)]}')
}

# peak_kb CMD...: sets $kb, the peak resident memory of one run (KiB).
peak_kb() {
    /usr/bin/time -f "%M" -o "$work/peak" "$@" >/dev/null 2>&1 || true
    kb=$(tail -1 "$work/peak")
}

printf '%-10s %8s %8s %9s %9s %8s %9s\n' resources "MB" "jq s" "check s" "ratio" "peak MB" "vs prev"
prev_secs=""; prev_n=""; ratio20k=""; tenfold=""; peak100k=""; corpus_secs=""
for n in $sizes; do
    d=$work/$n
    mkdir -p "$d"
    [ -f "$d/new.json" ] || python3 "$here/gen.py" "$n" "$d"
    mb=$(du -cm "$d/old.json" "$d/new.json" | tail -1 | cut -f1)
    median_run jq -c . "$d/old.json" "$d/new.json"
    jq_secs=$secs
    median_run "$bin" check --format json "$d/old.json" "$d/new.json"
    check_secs=$secs
    peak_kb "$bin" check --format json "$d/old.json" "$d/new.json"
    check_kb=$kb
    ratio=$(awk -v a="$check_secs" -v b="$jq_secs" 'BEGIN {printf "%.3f", (b > 0 ? a / b : 0)}')
    growth="-"
    if [ -n "$prev_secs" ]; then
        growth=$(awk -v a="$check_secs" -v b="$prev_secs" -v n="$n" -v p="$prev_n" \
            'BEGIN {printf "%.1fx/%dx", (b > 0 ? a / b : 0), n / p}')
    fi
    printf '%-10s %8s %8s %9s %9s %8d %9s\n' "$n" "$mb" "$jq_secs" "$check_secs" "$ratio" \
        $((check_kb / 1024)) "$growth"
    case $n in
    20000) ratio20k=$ratio
           [ "$prev_n" = 2000 ] && tenfold=$(awk -v a="$check_secs" -v b="$prev_secs" \
               'BEGIN {printf "%.1f", (b > 0 ? a / b : 0)}') ;;
    100000) peak100k=$((check_kb / 1024)) ;;
    esac
    prev_secs=$check_secs; prev_n=$n
done

if [ -d "$corpus" ]; then
    # One process per pair, as CI runs it; the loop itself starts nothing
    # else (globs, no ls/grep), so the time is snipeproof's.
    cat >"$work/corpus.sh" <<SCRIPT
for d in "$corpus"/*/; do
  for b in "\$d"before.*; do :; done
  for a in "\$d"after.*; do :; done
  "$bin" check --format json "\$b" "\$a" >/dev/null 2>&1
done
SCRIPT
    cat >"$work/corpus-jq.sh" <<SCRIPT
for d in "$corpus"/*/; do
  for b in "\$d"before.*; do :; done
  for a in "\$d"after.*; do :; done
  case "\$b" in *.json) jq -c . "\$b" "\$a" >/dev/null 2>&1 ;; esac
done
SCRIPT
    median_run sh "$work/corpus.sh"
    corpus_secs=$secs
    # CPU time too: on a loaded machine the wall time also counts waiting.
    /usr/bin/time -f "%U %S" -o "$work/cpu" sh "$work/corpus.sh" >/dev/null 2>&1 || true
    corpus_cpu=$(tail -1 "$work/cpu" | awk '{printf "%.2f", $1 + $2}')
    median_run sh "$work/corpus-jq.sh"
    printf '\ncorpus: %s pairs checked in %s s (CPU %s s; target < 2 s); jq over its JSON pairs: %s s\n' \
        "$(ls -d "$corpus"/*/ | wc -l)" "$corpus_secs" "$corpus_cpu" "$secs"
else
    printf '\ncorpus: skipped (no %s; set CORPUS)\n' "$corpus"
fi

# The targets of issue 7, for the sizes measured.
verdict() { # verdict LABEL VALUE LIMIT: "met" when VALUE <= LIMIT
    [ -n "$2" ] || return 0
    printf '  %-44s %10s  (target <= %s)  %s\n' "$1" "$2" "$3" \
        "$(awk -v v="$2" -v l="$3" 'BEGIN {print (v <= l ? "met" : "MISSED")}')"
}
printf '\ntargets:\n'
verdict "20,000 resources, time / jq's time" "$ratio20k" 0.25
verdict "2,000 -> 20,000 resources, time grows by" "$tenfold" 12
verdict "100,000 resources, peak memory (MiB)" "$peak100k" 1023
verdict "whole corpus (s)" "$corpus_secs" 1.999
