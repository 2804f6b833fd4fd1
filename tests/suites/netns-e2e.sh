#!/bin/sh
# End to end, on a real network: the router/web update of examples/router-web
# ("web gains SSH with root login, the router drops SSH from the internet"),
# rolled out on three network namespaces while a prober outside tries to
# reach web:22 without pause.
#
#   out (203.0.113.2) --wan-- router (nftables, forwards) --lan-- web (192.168.1.2)
#
# 1. The naive order (web first, then the router: the deploy scripts run
#    directly) lets the prober in: proof that this test can see a window.
# 2. `snipeproof apply` (router first) never lets it in.
# 3. `snipeproof apply --rollback` (web first) never lets it in either; the
#    naive roll-back (router first) does.
# Each deploy script waits SP_E2E_DELAY seconds (default 0.5) before it
# switches, which stands for a real deployment and holds a window open long
# enough to be seen.  Readiness is polled, not slept for.
#
# Needs root, ip (iproute2), nft (nftables) and python3; skips (status 0,
# "skipped: ...") without them.  Removes every namespace it created (with
# their veths, nftables tables and processes) however it ends.
# Usage: netns-e2e.sh BUILD-DIR
build=${1:-build}
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
name=netns-e2e

skip() { echo "$name: skipped: $*"; exit 0; }
[ "$(id -u)" = 0 ] || skip "needs root to create network namespaces"
for tool in ip nft python3; do
  command -v $tool >/dev/null 2>&1 || skip "needs '$tool' (Debian packages: iproute2, nftables, python3)"
done
bin=$(cd "$build" 2>/dev/null && pwd)/snipeproof
[ -x "$bin" ] || { echo "$name: no snipeproof in $build"; exit 1; }

tag=spe2e$$
OUT=${tag}o RT=${tag}r WEB=${tag}w
tmp=$(mktemp -d)
prober=""
cleanup() {
  [ -n "$prober" ] && kill "$prober" 2>/dev/null
  for ns in $OUT $RT $WEB; do
    if ip netns list 2>/dev/null | awk '{print $1}' | grep -qx "$ns"; then
      pids=$(ip netns pids "$ns" 2>/dev/null)
      [ -n "$pids" ] && kill $pids 2>/dev/null
      ip netns del "$ns" 2>/dev/null
    fi
  done
  rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

fail() { echo "$name: FAIL: $*"; [ -f "$tmp/apply.out" ] && sed 's/^/  apply: /' "$tmp/apply.out"; exit 1; }
now_ms() {
  ns=$(date +%s%N 2>/dev/null)
  case "$ns" in *[!0-9]*|"") python3 -c 'import time; print(int(time.time() * 1000))' ;;
                *) echo $((ns / 1000000)) ;; esac
}

# ---- the network ----
ip netns add $OUT 2>/dev/null || skip "cannot create network namespaces here (no CAP_SYS_ADMIN?)"
ip netns add $RT && ip netns add $WEB || fail "cannot create the namespaces"
ip link add wan netns $RT type veth peer name eth0 netns $OUT || fail "cannot create veth pairs"
ip link add lan netns $RT type veth peer name eth0 netns $WEB || fail "cannot create veth pairs"
ip -n $OUT addr add 203.0.113.2/24 dev eth0
ip -n $RT addr add 203.0.113.1/24 dev wan
ip -n $RT addr add 192.168.1.1/24 dev lan
ip -n $WEB addr add 192.168.1.2/24 dev eth0
for ns in $OUT $RT $WEB; do ip -n $ns link set lo up; done
ip -n $OUT link set eth0 up
ip -n $RT link set wan up
ip -n $RT link set lan up
ip -n $WEB link set eth0 up
ip -n $OUT route add 192.168.1.0/24 via 203.0.113.1
ip -n $WEB route add default via 192.168.1.1
ip netns exec $RT sh -c 'echo 1 > /proc/sys/net/ipv4/ip_forward' || fail "cannot enable forwarding"
ip netns exec $RT nft -f - <<'EOF' || skip "nftables does not work here"
table inet sp_e2e {
  chain forward {
    type filter hook forward priority 0; policy accept;
  }
}
EOF

# ---- the rollout's files: the example, with the deploy scripts of this test ----
mkdir -p "$tmp/fleet/deploy" "$tmp/state"
cp "$root/examples/router-web/old.yaml" "$root/examples/router-web/new.yaml" "$tmp/fleet/"
cp "$root/tests/netns/router.sh" "$root/tests/netns/web.sh" "$tmp/fleet/deploy/"
export SP_E2E_RT=$RT SP_E2E_WEB=$WEB SP_E2E_STATE="$tmp/state" SP_E2E_TCP="$root/tests/netns/tcp.py"
export SP_E2E_DELAY=${SP_E2E_DELAY:-0.5}
# The interpreter itself: a version manager's shim can take half a second
# to start, every time.
SP_E2E_PY=$(python3 -c 'import sys; print(sys.executable)') || fail "python3 does not run"
export SP_E2E_PY
tcp="$SP_E2E_PY $SP_E2E_TCP"

# ---- helpers ----
# Whether web:22 answers from outside (out) and from inside (the router).
from_out() { ip netns exec $OUT $tcp once 192.168.1.2 22; }
from_lan() { ip netns exec $RT $tcp once 192.168.1.2 22; }

start_prober() {
  rm -f "$tmp/stop" "$tmp/probe.log"
  ip netns exec $OUT $tcp probe 192.168.1.2 22 "$tmp/probe.log" "$tmp/stop" &
  prober=$!
  i=0
  until [ -s "$tmp/probe.log" ]; do   # probing has begun
    i=$((i + 1)); [ $i -lt 500 ] || fail "the prober did not start"; sleep 0.01
  done
}
# Stops the prober; sets got_in (successful connections), tries, first_ms.
stop_prober() {
  touch "$tmp/stop"; wait "$prober"; prober=""
  tries=$(wc -l <"$tmp/probe.log" | tr -d ' ')
  got_in=$(grep -c '^ok' "$tmp/probe.log")
  first_ms=$(grep -m1 '^ok' "$tmp/probe.log" | cut -d' ' -f2)
  [ "$tries" -ge 5 ] || fail "the prober made only $tries attempts"
}
deploy() { "$tmp/fleet/deploy/$1.sh" "$2" >/dev/null || fail "deploy $1 $2 failed"; }
state_old() { from_lan && fail "$1: web listens on 22 in the old state"; from_out && fail "$1: web:22 answers outside in the old state"; return 0; }
state_new() { from_lan || fail "$1: web does not listen on 22 in the new state"; from_out && fail "$1: web:22 answers outside in the new state"; return 0; }

# ---- 0. the network works: with a listener on web:22, out gets in ----
deploy web new
from_out || fail "the network does not work: out cannot reach web:22 through the router"
deploy web old
state_old "setup"

# ---- 1. naive order: web first, then the router ----
start_prober; t0=$(now_ms)
deploy web new
deploy router new
t1=$(now_ms); stop_prober
state_new "naive update"
[ "$got_in" -gt 0 ] || fail "the naive order (web first) never let the prober in ($tries attempts): this test cannot see a window"
echo "$name: naive order (web, then router): the prober got in $got_in times of $tries, first after ${first_ms} ms (rollout $((t1 - t0)) ms)"
naive_in=$got_in
# back to the old state
deploy web old
deploy router old
state_old "reset"

# ---- 2. snipeproof apply: router first ----
cd "$tmp/fleet" || fail "no fleet folder"
start_prober; t0=$(now_ms)
"$bin" apply --no-color old.yaml new.yaml >"$tmp/apply.out" 2>&1
st=$?
t1=$(now_ms); stop_prober
[ $st = 0 ] || fail "snipeproof apply exited with $st"
grep -q '^wave 1/2: router$' "$tmp/apply.out" && grep -q '^wave 2/2: web$' "$tmp/apply.out" ||
  fail "apply did not run router, then web"
state_new "apply"
[ "$got_in" = 0 ] || fail "during 'snipeproof apply' the prober got in $got_in times (first after ${first_ms} ms)"
echo "$name: snipeproof apply (router, then web): the prober never got in, $tries attempts (rollout $((t1 - t0)) ms)"

# ---- 3. the roll-back: apply --rollback (web first) ----
start_prober; t0=$(now_ms)
"$bin" apply --no-color --rollback old.yaml new.yaml >"$tmp/apply.out" 2>&1
st=$?
t1=$(now_ms); stop_prober
[ $st = 0 ] || fail "snipeproof apply --rollback exited with $st"
grep -q '^wave 1/2: web$' "$tmp/apply.out" && grep -q '^wave 2/2: router$' "$tmp/apply.out" ||
  fail "the roll-back did not run web, then router"
state_old "apply --rollback"
[ "$got_in" = 0 ] || fail "during 'snipeproof apply --rollback' the prober got in $got_in times (first after ${first_ms} ms)"
echo "$name: snipeproof apply --rollback (web, then router): the prober never got in, $tries attempts (roll-back $((t1 - t0)) ms)"

# ---- 4. the naive roll-back (router first) does open the window ----
deploy web new
deploy router new
state_new "naive roll-back setup"
start_prober; t0=$(now_ms)
deploy router old
deploy web old
t1=$(now_ms); stop_prober
state_old "naive roll-back"
[ "$got_in" -gt 0 ] || fail "the naive roll-back (router first) never let the prober in ($tries attempts)"
echo "$name: naive roll-back (router, then web): the prober got in $got_in times of $tries, first after ${first_ms} ms (roll-back $((t1 - t0)) ms)"
echo "$name: passed (naive orders let the prober in; snipeproof's orders never did)"
