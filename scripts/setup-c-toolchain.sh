#!/usr/bin/env bash
# Idempotent: installs the C toolchain of the C workloads (workloads/c/, docs/c-workloads.md)
# from Debian's packages when any part is missing, and says nothing when all are there:
#
# - clang, lld:                 the compiler and wasm-ld for --target=wasm32-wasi;
# - wasi-libc:                  the WASI sysroot (headers and libc.a for memcpy, strtod, malloc);
# - libclang-rt-14-dev-wasm32:  compiler-rt builtins for wasm32 (64-bit arithmetic helpers);
# - musl-tools:                 musl-gcc, for the static native server in the FROM scratch image.
#
# Exit codes: 0 ready, 5 (the lab's "environment" code) when the packages cannot be installed;
# the message names them.
set -euo pipefail

say() { printf 'setup-c-toolchain: %s\n' "$*" >&2; }

PACKAGES=(clang lld wasi-libc libclang-rt-14-dev-wasm32 musl-tools)

missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" != "0" ]; then
  say "missing Debian packages: ${missing[*]}; install them as root: apt-get install -y ${missing[*]}"
  exit 5
fi
say "installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
if ! apt-get install -y --no-install-recommends "${missing[@]}" >/tmp/setup-c-toolchain.log 2>&1; then
  # A fresh machine may have no package lists yet.
  apt-get update >>/tmp/setup-c-toolchain.log 2>&1 || true
  apt-get install -y --no-install-recommends "${missing[@]}" >>/tmp/setup-c-toolchain.log 2>&1 || {
    say "apt-get install ${missing[*]} failed; see /tmp/setup-c-toolchain.log"
    exit 5
  }
fi
say "installed ${missing[*]}"
