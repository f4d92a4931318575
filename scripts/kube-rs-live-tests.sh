#!/usr/bin/env bash
# Runs the live-cluster tests that ship (as #[ignore]) inside the published kube-client and
# kube-runtime 5.0.0 crates against `kcp start --profile kube`, as kube-rs runs them against a
# real cluster. Needs the crates in the local cargo registry (building this workspace fetches
# them). Prints each crate's test results; the pod tests that need a kubelet are expected to
# fail (pod_can_exec_*, can_get_pod_logs_and_evict).
set -euo pipefail
cd "$(dirname "$0")/.."
work=$(mktemp -d)
trap 'kill "${kcp_pid:-}" 2>/dev/null || true; rm -rf "$work"' EXIT
src=$(ls -d "${CARGO_HOME:-$HOME/.cargo}"/registry/src/*/ | head -1)
cp -r "$src/kube-client-5.0.0" "$work/kube-client"
cp -r "$src/kube-runtime-5.0.0" "$work/kube-runtime"
rm -f "$work"/kube-*/Cargo.lock
# The published sources import the unlinked `kube` facade in three test modules.
sed -i 's/        use kube::api::{DeleteParams, ListParams, Patch, PatchParams, PostParams, WatchEvent};/        use crate::api::{DeleteParams, ListParams, Patch, PatchParams, PostParams, WatchEvent};/' "$work/kube-client/src/lib.rs"
sed -i 's/^    use kube::{Api, Client, Resource};/    use kube_client::{Api, Client, core::Resource};/' "$work/kube-runtime/src/events.rs"
sed -i 's/^        use kube::api::DynamicObject;/        use kube_client::api::DynamicObject;/' "$work/kube-runtime/src/utils/predicate.rs"

cargo build -q -p kcp-server --bin kcp
root="$work/kcp"
target/debug/kcp start --profile kube --root-directory "$root" --secure-port 0 --bind-address 127.0.0.1 2>"$work/kcp.log" &
kcp_pid=$!
for _ in $(seq 1 100); do [ -f "$root/admin.kubeconfig" ] && break; sleep 0.1; done
export KUBECONFIG="$root/admin.kubeconfig"
export CARGO_TARGET_DIR="$work/target"
(cd "$work/kube-client" && cargo test -q --lib --features client,rustls-tls,ring,ws,jsonpatch -- --ignored --test-threads=1) || true
(cd "$work/kube-runtime" && cargo test -q --lib --features kube-client/rustls-tls,kube-client/ring -- --ignored --test-threads=1) || true
