#!/usr/bin/env bash
# Idempotent install of Debian's chromium package, which the report acceptance test drives in
# headless mode (reports/chromium.test.ts). Does nothing when /usr/bin/chromium already exists,
# so setup can call it on every run. Needs root (or sudo) and the Debian archive only: no
# browser is downloaded from anywhere else.
set -euo pipefail

say() { printf 'setup-chromium: %s\n' "$*" >&2; }

if [ -x /usr/bin/chromium ]; then
  exit 0
fi

if ! command -v apt-get >/dev/null 2>&1; then
  say "apt-get not found: install Debian's 'chromium' package by other means (expected at /usr/bin/chromium)"
  exit 5
fi

sudo_cmd=()
if [ "$(id -u)" != "0" ]; then
  if command -v sudo >/dev/null 2>&1; then sudo_cmd=(sudo); else
    say "not root and sudo is missing: run 'apt-get install -y chromium' as root"
    exit 5
  fi
fi

say "installing Debian's chromium (apt-get)"
export DEBIAN_FRONTEND=noninteractive
# Update the package lists only when the package is unknown (a fresh image has none).
if ! apt-cache show chromium >/dev/null 2>&1; then
  "${sudo_cmd[@]}" apt-get update -qq
fi
"${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends chromium fonts-dejavu-core >/dev/null

if [ ! -x /usr/bin/chromium ]; then
  say "apt-get finished but /usr/bin/chromium is missing"
  exit 5
fi
say "installed $(/usr/bin/chromium --version 2>/dev/null || echo chromium)"
