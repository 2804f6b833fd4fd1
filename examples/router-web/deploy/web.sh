#!/bin/sh
# Deploys the web server's configuration ($1: old or new).  A stand-in for
# the real deployment: here it only says what it would do.
set -eu
echo "switching $SNIPEPROOF_HOST to its $1 configuration"
if [ "$1" = new ]; then
  echo "systemctl enable --now sshd   # PermitRootLogin yes, PermitEmptyPasswords yes"
else
  echo "systemctl disable --now sshd"
fi
