#!/usr/bin/env bash
# Builds kcp and starts it on the embedded store, printing how to point kubectl at it.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-build-deps.sh
cargo build --release -p kcp-server --bin kcp
root="${KCP_ROOT:-.kcp}"
mkdir -p "$root"
echo
echo "Starting kcp with its root directory at $root. In another terminal:"
echo
echo "    export KUBECONFIG=$(cd "$root" && pwd)/admin.kubeconfig"
echo "    kubectl get namespaces"
echo
exec "${CARGO_TARGET_DIR:-target}/release/kcp" start --root-directory "$root" --bind-address 127.0.0.1 "$@"
