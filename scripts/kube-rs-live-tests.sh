#!/usr/bin/env bash
# Runs the live-cluster tests that ship (as #[ignore]) inside the published kube, kube-client and
# kube-runtime 5.0.0 crates against `kcp start --profile kube`, as kube-rs runs them against a
# real cluster (shared/reference/rust-crates.md §5). Needs the crates in the local cargo registry
# (building this workspace fetches them).
#
# Prints one line per test and a summary; exits non-zero when a test fails that is not one of the
# few that need a running pod (a kubelet, which the kube profile does not have).
#
# The crates are built in target/kube-rs-live (kept between runs: a second run only runs tests).
# KCP_BIN selects the server binary (default: a debug build of this workspace).
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$PWD

# The tests that need a pod to run (a kubelet): expected to fail here.
needs_kubelet=(
  pod_can_await_conditions
  pod_can_use_core_apis
  pod_can_exec_and_write_to_stdin
  pod_can_exec_and_write_to_stdin_from_node_proxy
  can_get_pod_logs_and_evict
)

live="$repo/target/kube-rs-live"
mkdir -p "$live"
work=$(mktemp -d)
trap 'if [ -n "${kcp_pid:-}" ]; then kill "$kcp_pid" 2>/dev/null || true; fi; rm -rf "$work"' EXIT

src=$(ls -d "${CARGO_HOME:-$HOME/.cargo}"/registry/src/*/kube-client-5.0.0 | head -1)
src=$(dirname "$src")
for crate in kube kube-client kube-runtime; do
  if [ ! -d "$live/$crate" ]; then
    cp -r "$src/$crate-5.0.0" "$live/$crate.tmp"
    # The bundled lock pins crates this registry may not have.
    rm -f "$live/$crate.tmp/Cargo.lock"
    # Its own workspace, not a member of ours.
    printf '\n[workspace]\n' >>"$live/$crate.tmp/Cargo.toml"
    mv "$live/$crate.tmp" "$live/$crate"
  fi
done
# The published sources import the unlinked `kube` facade in three test modules.
sed -i 's/        use kube::api::{DeleteParams, ListParams, Patch, PatchParams, PostParams, WatchEvent};/        use crate::api::{DeleteParams, ListParams, Patch, PatchParams, PostParams, WatchEvent};/' "$live/kube-client/src/lib.rs"
sed -i 's/^    use kube::{Api, Client, Resource};/    use kube_client::{Api, Client, core::Resource};/' "$live/kube-runtime/src/events.rs"
sed -i 's/^        use kube::api::DynamicObject;/        use kube_client::api::DynamicObject;/' "$live/kube-runtime/src/utils/predicate.rs"

# crate directory, then the features of its test build.
suites=(
  "kube:derive,runtime,ws"
  "kube-client:client,rustls-tls,ring,ws,jsonpatch"
  "kube-runtime:kube-client/rustls-tls,kube-client/ring"
)
export CARGO_TARGET_DIR="$live/target"
for suite in "${suites[@]}"; do
  crate=${suite%%:*}
  echo "building the tests of $crate" >&2
  if ! (cd "$live/$crate" && cargo test -q --lib --no-run --features "${suite#*:}" >"$work/build.log" 2>&1); then
    cat "$work/build.log" >&2
    exit 1
  fi
done

if [ -z "${KCP_BIN:-}" ]; then
  cargo build -q -p kcp-server --bin kcp
  KCP_BIN="$repo/target/debug/kcp"
fi
root="$work/kcp"
"$KCP_BIN" start --profile kube --root-directory "$root" --secure-port 0 --bind-address 127.0.0.1 2>"$work/kcp.log" &
kcp_pid=$!
for _ in $(seq 1 300); do
  [ -f "$root/admin.kubeconfig" ] && break
  kill -0 "$kcp_pid" 2>/dev/null || { cat "$work/kcp.log" >&2; echo "kcp did not start" >&2; exit 1; }
  sleep 0.1
done
export KUBECONFIG="$root/admin.kubeconfig"

: >"$work/results"
for suite in "${suites[@]}"; do
  crate=${suite%%:*}
  echo "== $crate" >&2
  # Shared names and namespaces: one test at a time.
  (cd "$live/$crate" && timeout "${KUBE_RS_TEST_TIMEOUT:-900}" cargo test --lib --features "${suite#*:}" -- --ignored --test-threads=1 \
    >"$work/$crate.log" 2>&1 || true)
  sed -nE "s/^test ([^ ]+) \.\.\. (ok|FAILED)$/\2 $crate \1/p" "$work/$crate.log" >>"$work/results"
  if ! grep -q '^test result:' "$work/$crate.log"; then
    cat "$work/$crate.log" >&2
    echo "FAILED $crate (the test binary did not run to the end)" >>"$work/results"
  fi
  if ! kill -0 "$kcp_pid" 2>/dev/null; then
    echo "kcp exited during the $crate tests:" >&2
    tail -20 "$work/kcp.log" >&2
    exit 1
  fi
done

expected() { local t=${1##*::}; for n in "${needs_kubelet[@]}"; do [ "$t" = "$n" ] && return 0; done; return 1; }
passed=0 expected_failures=0 unexpected=()
while read -r outcome crate test; do
  if [ "$outcome" = ok ]; then
    passed=$((passed + 1))
    echo "ok       $crate $test"
  elif expected "$test"; then
    expected_failures=$((expected_failures + 1))
    echo "FAILED   $crate $test (expected: needs a kubelet)"
  else
    unexpected+=("$crate $test")
    echo "FAILED   $crate $test"
  fi
done <"$work/results"
for u in "${unexpected[@]}"; do
  crate=${u%% *} test=${u#* }
  echo
  echo "---- $crate $test"
  sed -n "/^---- ${test//\//\\/} stdout ----$/,/^$/p" "$work/$crate.log"
done
echo
echo "summary: ${passed} passed, ${#unexpected[@]} failed, ${expected_failures} failed as expected (need a kubelet)"
[ "${#unexpected[@]}" -eq 0 ]
