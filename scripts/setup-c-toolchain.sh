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

PACKAGES=(clang lld wasi-libc libclang-rt-14-dev-wasm32 musl-tools)

exec bash "$(dirname "$0")/apt-install.sh" c-toolchain "${PACKAGES[@]}"
