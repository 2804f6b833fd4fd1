#!/bin/sh
# Installs the Debian packages snipeproof's build and tests need, when they
# are missing (as root, or through sudo).
set -e
need=""
have_pc() { pkg-config --exists "$1" 2>/dev/null; }
have_cmd() { command -v "$1" >/dev/null 2>&1; }
have_cmd cmake      || need="$need cmake"
have_cmd pkg-config || need="$need pkg-config"
have_cmd jq         || need="$need jq"
have_cmd python3    || need="$need python3"
have_pc yaml-0.1    || need="$need libyaml-dev"
have_pc jansson     || need="$need libjansson-dev"
have_pc cmocka      || need="$need libcmocka-dev"
# For tests only: SARIF schema validation, reading YAML in test scripts,
# checking DOT with Graphviz, and the network-namespace end-to-end test.
python3 -c 'import jsonschema' 2>/dev/null || need="$need python3-jsonschema"
python3 -c 'import yaml' 2>/dev/null       || need="$need python3-yaml"
have_cmd dot        || need="$need graphviz"
have_cmd nft        || need="$need nftables"
have_cmd ip         || need="$need iproute2"
[ -z "$need" ] && exit 0
echo "installing:$need"
if [ "$(id -u)" = 0 ]; then sudo=""; elif have_cmd sudo; then sudo="sudo"; else
  echo "missing Debian packages:$need (run as root or install them: apt-get install$need)" >&2
  exit 1
fi
$sudo apt-get update -qq || true
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq $need
