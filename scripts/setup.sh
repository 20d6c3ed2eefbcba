#!/usr/bin/env bash
# Idempotent setup of a fresh machine of this kind: Node dependencies (npm ci, only when the
# lockfile changed), the Docker engine and Debian tools, and the TypeScript build. Safe to run before every command; quiet under CI
# except for what it actually does.
set -euo pipefail
cd "$(dirname "$0")/.."

say() { printf 'setup: %s\n' "$*" >&2; }

node_major=$(node -p 'process.versions.node.split(".")[0]')
if [ "$node_major" != "20" ]; then
  say "Node 20 is required (found $(node -v))"; exit 5
fi

# npm ci only when node_modules was not installed from this exact lockfile.
lock_hash=$(sha256sum package-lock.json | cut -d' ' -f1)
if [ "$(cat node_modules/.lab-lock-hash 2>/dev/null)" != "$lock_hash" ]; then
  say "installing Node dependencies (npm ci)"
  npm ci --no-audit --no-fund --loglevel=error
  echo "$lock_hash" > node_modules/.lab-lock-hash
fi

# System parts the runners and tests use (each script is idempotent and quiet when done):
# the Docker engine, debootstrap and docker-registry for the container runner; Chromium for
# the report's browser test.
bash scripts/setup-docker.sh --with-tools
# The C workloads' toolchain: clang/lld/wasi-libc for the component, musl-gcc for the static server.
bash scripts/setup-c-toolchain.sh
# The Python workloads: Debian's CPython 3.11 and componentize-py (PyPI, pinned) in .cache/python-tools/.
bash scripts/setup-python.sh
bash scripts/setup-chromium.sh

# The Rust crates: the Wasmtime host and the load engine. Crates come from crates.io at build
# time, never at run time. The first build takes minutes; cargo makes later ones a no-op. Same
# target folders as the lab's own builds (lab/proc/cargo.ts), git-ignored under .cache/.
if command -v cargo >/dev/null 2>&1; then
  say "building the Wasmtime host (cargo build --release --locked; minutes on a fresh machine)"
  CARGO_TARGET_DIR="$PWD/.cache/wasmtime-host-target" cargo build --release --locked --quiet --manifest-path runners/wasmtime/host/Cargo.toml
  say "building the load engine (cargo build --release --locked)"
  CARGO_TARGET_DIR="$PWD/.cache/load-engine-target" cargo build --release --locked --quiet --manifest-path lab/loadgen/engine/Cargo.toml
  # The reference host `wasmtime serve` (runner wasmtime-serve): the same Wasmtime as the lab's
  # host, the features users run it with; ~7 minutes once, then skipped.
  wasmtime_cli_version=48.0.8
  if [ "$(.cache/wasmtime-cli/bin/wasmtime --version 2>/dev/null | cut -d' ' -f2)" != "$wasmtime_cli_version" ]; then
    say "building wasmtime-cli $wasmtime_cli_version (cargo install; minutes on a fresh machine)"
    CARGO_TARGET_DIR="$PWD/.cache/wasmtime-cli-target" cargo install --locked --quiet --root "$PWD/.cache/wasmtime-cli" wasmtime-cli --version "=$wasmtime_cli_version" \
      --no-default-features --features serve,run,cranelift,pooling-allocator,parallel-compilation,component-model,component-model-async
  fi
  # weval, for the AOT packaging of JS components (wasm-component-aot): the version
  # componentize-js's AOT step is made for; built once. componentize-js would otherwise
  # download a weval binary from GitHub on first use, which the lab never lets it do.
  weval_version=0.5.0
  if [ "$(.cache/weval/bin/weval --version 2>/dev/null | cut -d' ' -f2)" != "$weval_version" ]; then
    say "building weval $weval_version (cargo install; minutes on a fresh machine)"
    CARGO_TARGET_DIR="$PWD/.cache/weval-target" cargo install --locked --quiet --root "$PWD/.cache/weval" weval --version "=$weval_version"
  fi
else
  say "cargo not found: the load engine and the wasmtime runner will fail with a message saying how to install Rust"
fi

# Vegeta, the reference open-loop generator `lab bench instrument` checks the lab's engine
# against: built from the Go module proxy, once (its version is in the binary's build info).
vegeta_version=v12.13.0
if ! command -v go >/dev/null 2>&1; then
  say "go not found: lab bench instrument will fail with a message saying how to build Vegeta"
elif ! go version -m .cache/bin/vegeta 2>/dev/null | grep -q "mod.*github.com/tsenart/vegeta/v12.*$vegeta_version"; then
  say "building Vegeta $vegeta_version (go install from the module proxy)"
  GOBIN="$PWD/.cache/bin" go install "github.com/tsenart/vegeta/v12@$vegeta_version"
fi

say "building TypeScript"
npx tsc -p tsconfig.json
