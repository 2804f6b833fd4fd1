#!/bin/sh
# The demo behind `make demo`: runs snipeproof's main job on a bundled
# example and says what the result means.
#
#   sh examples/demo.sh [PATH/TO/snipeproof]
#
# The example (examples/api-authorizer) is the paper's case: NEW makes a
# Lambda function return sensitive data and puts a custom authorizer in
# front of the API method that invokes it.  CloudFormation updates the
# function before the method (the method references it), so for a while
# the new function answers through the old, unauthenticated method.
#
# Exit status: 0 when the demo showed what it is meant to show (check
# found the window, exit 1); otherwise check's own status, explained.
set -u

bin=${1:-build/snipeproof}
here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
case $bin in
/*) ;;
*) bin=$(pwd)/$bin ;;
esac
if [ ! -x "$bin" ]; then
    echo "demo: no snipeproof program at $bin (build it with 'make')" >&2
    exit 2
fi
cd "$root" || exit 2

example=examples/api-authorizer
old=$example/old.yaml
new=$example/new.yaml
for f in "$old" "$new"; do
    if [ ! -f "$f" ]; then
        echo "demo: the example file $f is missing" >&2
        exit 2
    fi
done

say() { printf '%s\n' "$*"; }
run() {
    printf '$ snipeproof'
    for a in "$@"; do printf ' %s' "$a"; done
    printf '\n'
    "$bin" "$@"
}

say "== snipeproof demo: an API behind an authorizer"
say "OLD: an API method invokes a Lambda function without authentication; the"
say "     function returns nothing sensitive."
say "NEW: the function returns sensitive data, and the method now requires a"
say "     custom authorizer."
say "Each side is safe on its own.  Is every state in between safe too?"
say ""
run check "$old" "$new"
status=$?
say ""
case $status in
1)
    say "== What this means (exit status 1: windows found)"
    say "CloudFormation updates the function before the method, because the method"
    say "references it.  In between, the new function, with its sensitive data, is"
    say "reachable through the old method, which asks for no credentials: anyone who"
    say "calls the API at that moment gets the data."
    say "No DependsOn can put the method first without a dependency cycle (the"
    say "method refers to the function), so the safe way is two deploys."
    say ""
    say "== A safe way to apply it"
    run plan "$old" "$new"
    plan_status=$?
    say ""
    case $plan_status in
    0) say "plan found an order (exit status 0): the extra DependsOn above close every window." ;;
    1) say "plan found no single safe order (exit status 1): apply the steps above one" \
           "after the other, each as its own deploy." ;;
    *) say "plan stopped with exit status $plan_status; the message above says why." ;;
    esac
    say ""
    say "Try also:  snipeproof check --rollback $old $new"
    say "           snipeproof check --format json $old $new"
    exit 0
    ;;
0)
    say "== Unexpected: check found no window (exit status 0)."
    say "This example has one; the analysis missed it.  Please report this."
    exit 1
    ;;
2)
    say "== check could not read the example (exit status 2); the message above says why."
    exit 2
    ;;
3)
    say "== The search stopped before it was complete (exit status 3)."
    exit 3
    ;;
*)
    say "== check failed with exit status $status (an internal error)."
    exit "$status"
    ;;
esac
