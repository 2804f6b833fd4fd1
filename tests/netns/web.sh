#!/bin/sh
# The web server's deploy command in tests/suites/netns-e2e.sh: "new" starts
# a listener on 192.168.1.2:22 in the web namespace (it stands for sshd with
# passwordless root login), "old" stops it; each after a delay that stands
# for the time a real deployment takes.
#   $1: old | new    environment: SP_E2E_WEB (namespace), SP_E2E_STATE (a
#   folder for the pid file), SP_E2E_TCP (tcp.py), SP_E2E_PY (python3),
#   SP_E2E_DELAY (seconds)
set -eu
sleep "${SP_E2E_DELAY:-0.5}"
py=${SP_E2E_PY:-python3}
case "$1" in
new) ip netns exec "$SP_E2E_WEB" "$py" "$SP_E2E_TCP" listen 192.168.1.2 22 "$SP_E2E_STATE/sshd.pid"
     echo "sshd: listening on 192.168.1.2:22" ;;
old) "$py" "$SP_E2E_TCP" stop "$SP_E2E_STATE/sshd.pid"
     echo "sshd: stopped" ;;
*)   echo "usage: web.sh old|new" >&2; exit 2 ;;
esac
