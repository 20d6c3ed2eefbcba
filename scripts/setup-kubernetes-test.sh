#!/usr/bin/env bash
# Idempotent build of the control plane the opt-in test `npm run test:kubernetes` starts on
# 127.0.0.1: kube-apiserver, kube-controller-manager and kube-scheduler of k8s.io/kubernetes
# (the wrapper module scripts/kubernetes-test-cluster/), kwok (fake nodes and pod status, from
# the Go module proxy) and etcd (Debian etcd-server). Nothing is pulled at run time; Kubernetes'
# own images are never used. Not part of scripts/setup.sh: the build takes long (docs/kubernetes.md
# records it) and only this opt-in test needs it.
set -euo pipefail
cd "$(dirname "$0")/.."

say() { printf 'setup-kubernetes-test: %s\n' "$*" >&2; }

kubernetes_version=v1.33.13
kwok_version=v0.7.0
out="$PWD/.cache/kubernetes-test/$kubernetes_version"
mkdir -p "$out/bin"

if ! command -v go >/dev/null 2>&1; then
  say "go not found: install Go (1.24 or later) to build the test control plane"; exit 5
fi

if ! command -v etcd >/dev/null 2>&1; then
  say "installing etcd (Debian etcd-server)"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q etcd-server >/dev/null
  # Debian starts a system etcd on 2379; the test runs its own on other ports.
  systemctl disable --now etcd >/dev/null 2>&1 || true
fi

# The version the binaries report (/version, component versions): outside its repository the build
# has no git to stamp it from, so it is stamped here, as the repository's hack/lib/version.sh does.
minor=${kubernetes_version#v1.}; minor=${minor%%.*}
ldflags="-s -w"
for pkg in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
  ldflags="$ldflags -X $pkg.gitVersion=$kubernetes_version -X $pkg.gitMajor=1 -X $pkg.gitMinor=$minor -X $pkg.gitTreeState=clean -X $pkg.buildDate=1970-01-01T00:00:00Z"
done
built_version() { "$1" --version 2>/dev/null | awk '{ print $2 }'; }

start=$(date +%s)
did=0
for cmd in kube-apiserver kube-controller-manager kube-scheduler; do
  if [ "$(built_version "$out/bin/$cmd")" != "$kubernetes_version" ]; then
    say "building $cmd $kubernetes_version (go build; tens of minutes on 2 cores the first time)"
    (cd scripts/kubernetes-test-cluster && nice -n 10 go build -trimpath -ldflags "$ldflags" -o "$out/bin/$cmd.tmp" "k8s.io/kubernetes/cmd/$cmd")
    mv "$out/bin/$cmd.tmp" "$out/bin/$cmd"
    did=1
  fi
done

if ! go version -m "$out/bin/kwok" 2>/dev/null | grep -q "mod.*sigs.k8s.io/kwok.*$kwok_version"; then
  say "building kwok $kwok_version (go install from the module proxy)"
  GOBIN="$out/bin" nice -n 10 go install -trimpath "sigs.k8s.io/kwok/cmd/kwok@$kwok_version"
  did=1
fi

if [ "$did" = 1 ]; then
  say "built in $(( $(date +%s) - start )) s"
fi
echo "$out/bin"
