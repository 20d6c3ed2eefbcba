#!/usr/bin/env bash
# Idempotent: the Python workloads' tools (workloads/py/, docs/languages.md), quiet when ready.
#
# - Debian's CPython 3.11 (python3.11-minimal, libpython3.11-stdlib, python3.11-venv): the
#   interpreter of the bare process and of the FROM scratch image, and the venv below;
# - componentize-py, pinned, from PyPI, in a venv of its own under .cache/python-tools/: it
#   builds the wasi:http components. Its wheel carries CPython for WASI and its standard
#   library, so building a component downloads nothing.
#
# Exit codes: 0 ready, 5 (the lab's "environment" code) when something cannot be installed.
set -euo pipefail
cd "$(dirname "$0")/.."

say() { printf 'setup-python: %s\n' "$*" >&2; }

COMPONENTIZE_PY_VERSION=0.25.1   # keep equal to workloads/py/component.ts
PACKAGES=(python3.11-minimal libpython3.11-stdlib python3.11-venv)

bash scripts/apt-install.sh python "${PACKAGES[@]}"

venv=.cache/python-tools/componentize-py-$COMPONENTIZE_PY_VERSION
if [ "$("$venv/bin/componentize-py" --version 2>/dev/null)" != "componentize-py $COMPONENTIZE_PY_VERSION" ]; then
  say "installing componentize-py $COMPONENTIZE_PY_VERSION from PyPI into $venv"
  # A venv records its own path in its scripts, so it is made where it stays; the version check
  # above is what says it is complete.
  rm -rf "$venv"
  if ! { /usr/bin/python3.11 -m venv "$venv" && "$venv/bin/pip" install --quiet --disable-pip-version-check --no-deps \
      --only-binary=:all: "componentize-py==$COMPONENTIZE_PY_VERSION"; } >/tmp/setup-python.log 2>&1; then
    say "installing componentize-py==$COMPONENTIZE_PY_VERSION failed; see /tmp/setup-python.log"
    rm -rf "$venv"
    exit 5
  fi
fi
