#!/usr/bin/env bash
# System tools the test suite uses: curl (the disaster-recovery runbook's own commands) and
# Debian's Chromium (the console's end-to-end tests; never a downloaded browser). Installed with
# apt when missing and this runs as root; otherwise says what to install.
set -euo pipefail
missing=()
command -v curl > /dev/null || missing+=(curl)
command -v chromium > /dev/null || missing+=(chromium)
[ ${#missing[@]} -eq 0 ] && exit 0
if [ "$(id -u)" -eq 0 ] && command -v apt-get > /dev/null; then
  echo "installing ${missing[*]} for the tests (apt-get)…" >&2
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" > /dev/null
else
  echo "the tests need: ${missing[*]} (Debian: sudo apt-get install -y ${missing[*]})" >&2
  exit 1
fi
