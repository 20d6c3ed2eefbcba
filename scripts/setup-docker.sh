#!/usr/bin/env bash
# Idempotent: makes a Docker engine answer for the container runner.
#
# - A daemon that already answers (DOCKER_HOST, or the default unix socket) is reused as is.
# - Otherwise, as root: installs Debian's docker.io when dockerd is missing, and starts dockerd
#   with flags that keep every byte on this machine (no bridge, no iptables, no forwarding, no
#   userland proxy: hardened containers have no network and serve on unix sockets; the
#   host-network comparison mode binds 127.0.0.1), then waits for GET /_ping.
# - The engine's processes (dockerd, containerd, shims) are put in a cpuacct cgroup of their own,
#   /sys/fs/cgroup/cpuacct/edge-pop-lab-engine, when they run in the root cgroup (cgroup v1, as
#   root): the container runner then measures the CPU the engine spends on the tenants' behalf
#   (runners/container/engine-cpu.ts). An engine already in a cgroup of its own is left there.
# - `--with-tools` also installs the Debian packages the container runner uses besides the engine:
#   debootstrap (the Debian base image), docker-registry (the local origin registry), and the
#   OCI runtimes crun and runsc (gVisor), which it registers with the engine in
#   /etc/docker/daemon.json (merged into what is there; a running dockerd reloads it on SIGHUP).
#
# Exit codes: 0 ready, 5 (the lab's "environment" code) when no engine can be had; the message
# says how to provide one.
set -euo pipefail

say() { printf 'setup-docker: %s\n' "$*" >&2; }
fail() { say "$*"; exit 5; }

with_tools=0
for arg in "$@"; do
  case "$arg" in
    --with-tools) with_tools=1 ;;
    *) fail "unknown argument $arg (usage: setup-docker.sh [--with-tools])" ;;
  esac
done

SOCKET=/var/run/docker.sock
LOG=${LAB_DOCKERD_LOG:-/var/log/lab-dockerd.log}
# Generous: a cold first start of dockerd (containerd, storage driver probing) takes ~1 s here.
PING_TIMEOUT_S=${LAB_DOCKERD_TIMEOUT_S:-30}

# Answers 0 when GET /_ping on the engine says OK. Uses node (always present for the lab) so
# a machine without curl still works; DOCKER_HOST unix:// and tcp:// (loopback) are understood.
ping_engine() {
  node -e '
    const http = require("node:http");
    const host = process.env.DOCKER_HOST || "unix:///var/run/docker.sock";
    let opts;
    if (host.startsWith("unix://")) opts = { socketPath: host.slice(7) };
    else if (host.startsWith("tcp://")) { const u = new URL(host.replace(/^tcp:/, "http:")); opts = { host: u.hostname, port: u.port || 2375 }; }
    else process.exit(2);
    const req = http.get({ ...opts, path: "/_ping", timeout: 2000 }, (res) => { res.resume(); process.exit(res.statusCode === 200 ? 0 : 1); });
    req.on("error", () => process.exit(1));
    req.on("timeout", () => { req.destroy(); process.exit(1); });
  ' 2>/dev/null
}

ENGINE_CGROUP=/sys/fs/cgroup/cpuacct/edge-pop-lab-engine

# Moves the local engine's processes that sit in the root cpuacct cgroup into ENGINE_CGROUP;
# children they start later (containerd, shims, runc) inherit it. Idempotent; best effort: the
# runner says in its results when the engine's CPU could not be measured.
place_engine() {
  if [ "$(id -u)" != "0" ] || [ ! -d /sys/fs/cgroup/cpuacct ]; then return 0; fi
  if [ -n "${DOCKER_HOST:-}" ] && [ "$DOCKER_HOST" != "unix://$SOCKET" ]; then return 0; fi
  mkdir -p "$ENGINE_CGROUP" 2>/dev/null || return 0
  local pid cg moved=0
  for pid in $(pgrep -x dockerd) $(pgrep -x containerd) $(pgrep containerd-shim); do
    cg=$(grep -E '^[0-9]+:([^:]*,)?cpuacct(,[^:]*)?:' "/proc/$pid/cgroup" 2>/dev/null | cut -d: -f3 || true)
    if [ "$cg" = "/" ] && echo "$pid" > "$ENGINE_CGROUP/cgroup.procs" 2>/dev/null; then moved=$((moved + 1)); fi
  done
  if [ "$moved" -gt 0 ]; then say "engine processes put in the cpuacct cgroup ${ENGINE_CGROUP#/sys/fs/cgroup/cpuacct} (the lab measures the engine's CPU there)"; fi
  return 0
}

apt_updated=0
apt_install() {
  if [ "$(id -u)" != "0" ]; then fail "need root to install $* (or install it yourself: apt-get install $*)"; fi
  if [ "$apt_updated" = "0" ]; then
    say "apt-get update"
    DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=300 update -qq >/dev/null
    apt_updated=1
  fi
  say "installing $*"
  DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=300 install -y -qq --no-install-recommends "$@" >/dev/null
}

if [ "$with_tools" = "1" ]; then
  missing=()
  command -v debootstrap >/dev/null 2>&1 || missing+=(debootstrap)
  command -v docker-registry >/dev/null 2>&1 || missing+=(docker-registry)
  command -v crun >/dev/null 2>&1 || missing+=(crun)
  command -v runsc >/dev/null 2>&1 || missing+=(runsc)
  if [ "${#missing[@]}" -gt 0 ]; then apt_install "${missing[@]}"; fi
  # Debian's package starts a registry listening on every interface with its own config
  # under systemd; where it did, stop it: the lab runs its own on 127.0.0.1 only.
  if command -v systemctl >/dev/null 2>&1 && systemctl is-active --quiet docker-registry 2>/dev/null; then
    systemctl stop docker-registry || true
  fi
fi

# Registers crun and runsc with the engine (runner option `ociRuntime`). runsc runs without a
# network stack of its own (--network=none: hardened containers have none) and may create the
# unix socket it serves on in its bind-mounted directory (--host-uds=all: the only host path
# mounted is the instance's own socket directory). Merged with an existing daemon.json; prints
# "changed" when it wrote.
register_runtimes() {
  if [ "$(id -u)" != "0" ] || ! command -v crun >/dev/null 2>&1 || ! command -v runsc >/dev/null 2>&1; then return 0; fi
  mkdir -p /etc/docker
  node -e '
    const fs = require("node:fs");
    const file = "/etc/docker/daemon.json";
    let cfg = {};
    try { cfg = JSON.parse(fs.readFileSync(file, "utf8")); } catch (e) { if (e.code !== "ENOENT") { console.error("setup-docker: " + file + " is not JSON: " + e.message); process.exit(5); } }
    const want = { crun: { path: "/usr/bin/crun" }, runsc: { path: "/usr/bin/runsc", runtimeArgs: ["--network=none", "--host-uds=all"] } };
    const before = JSON.stringify(cfg.runtimes ?? {});
    cfg.runtimes = { ...(cfg.runtimes ?? {}), ...want };
    if (JSON.stringify(cfg.runtimes) === before) process.exit(0);
    fs.writeFileSync(file, JSON.stringify(cfg, null, 2) + "\n");
    console.log("changed");
  '
}

runtimes_changed=$(register_runtimes)

if ping_engine; then
  if [ "$runtimes_changed" = "changed" ]; then
    say "OCI runtimes crun and runsc registered in /etc/docker/daemon.json; dockerd reloads it (SIGHUP)"
    pkill -HUP -x dockerd || true
    sleep 0.5
  fi
  place_engine
  exit 0
fi

if [ -n "${DOCKER_HOST:-}" ] && [ "$DOCKER_HOST" != "unix://$SOCKET" ]; then
  fail "DOCKER_HOST=$DOCKER_HOST does not answer GET /_ping; start that engine, or unset DOCKER_HOST to let the lab start a local one"
fi
if [ "$(id -u)" != "0" ]; then
  fail "no Docker engine answers at $SOCKET and starting one needs root; start dockerd (flags: see docs/containers.md) or set DOCKER_HOST"
fi

command -v dockerd >/dev/null 2>&1 || apt_install docker.io
command -v dockerd >/dev/null 2>&1 || fail "docker.io installed but dockerd is not on PATH"

# A dockerd that is still coming up must not get a sibling: a second daemon started with
# --bridge=none deletes the first one's docker0.
if ! pgrep -x dockerd >/dev/null 2>&1; then
  say "starting dockerd (loopback only: --bridge=none, no iptables, no forwarding, no userland proxy); log in $LOG"
  mkdir -p "$(dirname "$LOG")"
  # setsid + nohup: the daemon outlives this script and the lab; it is the one process the lab
  # leaves running, by design (images stay cached in it).
  setsid nohup dockerd \
    --bridge=none --iptables=false --ip6tables=false --ip-forward=false --ip-masq=false \
    --userland-proxy=false \
    >>"$LOG" 2>&1 </dev/null &
fi

deadline=$(( $(date +%s) + PING_TIMEOUT_S ))
until ping_engine; do
  if [ "$(date +%s)" -ge "$deadline" ]; then
    tail -n 20 "$LOG" >&2 2>/dev/null || true
    fail "dockerd did not answer GET /_ping within ${PING_TIMEOUT_S} s (log above, full log in $LOG)"
  fi
  sleep 0.05
done
say "dockerd answers on $SOCKET"
place_engine
