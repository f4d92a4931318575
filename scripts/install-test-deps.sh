#!/usr/bin/env bash
# Installs what the tests need beyond the Rust toolchain: etcd (the etcd backend's conformance
# suite starts a real one), protoc (etcd-client's build needs it) and tmux (the interactive
# `kubectl ws -i` tests drive it on a terminal). Debian/Ubuntu packages.
set -euo pipefail
"$(dirname "$0")/install-build-deps.sh"
need=()
command -v etcd >/dev/null 2>&1 || need+=(etcd-server)
command -v protoc >/dev/null 2>&1 || need+=(protobuf-compiler)
command -v tmux >/dev/null 2>&1 || need+=(tmux)
command -v kubectl >/dev/null 2>&1 || echo "warning: kubectl is not on PATH; the e2e tests need it" >&2
if [ ${#need[@]} -gt 0 ]; then
  sudo=""
  [ "$(id -u)" -ne 0 ] && sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${need[@]}" >/dev/null
fi
