#!/bin/sh
# The router's deploy command in tests/suites/netns-e2e.sh (run by `snipeproof
# apply` through execve, or directly for the naive order): switches the
# router namespace's nftables ruleset to its old or new configuration, after
# a delay that stands for the time a real deployment takes.
#   $1: old | new    environment: SP_E2E_RT (namespace), SP_E2E_DELAY (seconds)
set -eu
sleep "${SP_E2E_DELAY:-0.5}"
case "$1" in
new) ip netns exec "$SP_E2E_RT" nft add rule inet sp_e2e forward iifname wan tcp dport 22 drop
     echo "nftables: dropping tcp/22 from wan" ;;
old) ip netns exec "$SP_E2E_RT" nft flush chain inet sp_e2e forward
     echo "nftables: forwarding everything" ;;
*)   echo "usage: router.sh old|new" >&2; exit 2 ;;
esac
