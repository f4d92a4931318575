#!/usr/bin/env bash
# Installs what building the server needs beyond the Rust toolchain, from Debian/Ubuntu packages:
# a C compiler (ring), make (jemalloc, the server's allocator, builds with it) and protoc
# (etcd-client, the etcd backend's client, generates its gRPC code with it).
set -euo pipefail
need=()
command -v cc >/dev/null 2>&1 || need+=(gcc libc6-dev)
command -v make >/dev/null 2>&1 || need+=(make)
command -v protoc >/dev/null 2>&1 || need+=(protobuf-compiler)
if [ ${#need[@]} -gt 0 ]; then
  sudo=""
  [ "$(id -u)" -ne 0 ] && sudo="sudo"
  echo "installing ${need[*]} (Debian packages) for the build" >&2
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${need[@]}" >/dev/null
fi
