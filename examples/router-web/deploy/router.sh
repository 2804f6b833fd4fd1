#!/bin/sh
# Deploys the router's configuration ($1: old or new).  A stand-in for
# `guix deploy router.scm`, `nixos-rebuild --target-host router switch`,
# an Ansible play…: here it only says what it would do.
set -eu
echo "switching $SNIPEPROOF_HOST to its $1 configuration"
if [ "$1" = new ]; then
  echo "nft add rule inet filter forward iifname wan tcp dport 22 drop"
else
  echo "nft flush chain inet filter forward"
fi
