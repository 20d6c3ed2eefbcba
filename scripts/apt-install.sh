#!/usr/bin/env bash
# Idempotent: installs the Debian packages named after <who> that are missing, and says nothing
# when all are there. Shared by the setup scripts of the workloads' toolchains.
#
#   bash scripts/apt-install.sh <who> <package>...
#
# <who> names the caller in messages and the log (/tmp/setup-<who>.log).
# Exit codes: 0 ready, 5 (the lab's "environment" code) when the packages cannot be installed;
# the message names them.
set -euo pipefail

who=$1
shift
say() { printf 'setup-%s: %s\n' "$who" "$*" >&2; }
log=/tmp/setup-$who.log

missing=()
for p in "$@"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" != "0" ]; then
  say "missing Debian packages: ${missing[*]}; install them as root: apt-get install -y ${missing[*]}"
  exit 5
fi
say "installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
if ! apt-get install -y --no-install-recommends "${missing[@]}" >"$log" 2>&1; then
  # A fresh machine may have no package lists yet.
  apt-get update >>"$log" 2>&1 || true
  apt-get install -y --no-install-recommends "${missing[@]}" >>"$log" 2>&1 || {
    say "apt-get install ${missing[*]} failed; see $log"
    exit 5
  }
fi
say "installed ${missing[*]}"
