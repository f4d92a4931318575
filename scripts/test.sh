#!/usr/bin/env bash
# Installs the test dependencies and runs every test of the workspace, then prints one closing
# line with the totals over all test binaries.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-test-deps.sh
# Kubernetes' own kube-apiserver, kube-controller-manager and etcd for the e2e tests that hold our
# server against the real one (docs/testing.md). Without Go those tests say they are skipped.
# First, while the disk is emptiest: on a machine short of disk the script then empties Go's
# build cache before the Rust build needs the room.
if command -v go >/dev/null 2>&1; then
  scripts/build-kube-apiserver.sh
else
  echo "warning: go is not on PATH: the tests that need Kubernetes' kube-apiserver are skipped" >&2
fi
# One build of every target: the e2e harness builds the binaries with these same arguments, so
# the tests and the binaries they start share one copy of each crate.
cargo build --workspace --all-targets --locked
df -h . | awk 'NR == 2 { print "disk after the builds: " $4 " free of " $2 }'
log=$(mktemp)
trap 'rm -f "$log"' EXIT
status=0
cargo test --workspace --locked --no-fail-fast -- --test-threads="${TEST_THREADS:-2}" 2>&1 | tee "$log" || status=$?
passed=$(grep -Eo '^test result: .* ([0-9]+) passed' "$log" | grep -Eo '[0-9]+ passed' | awk '{s+=$1} END {print s+0}')
failed=$(grep -Eo '^test result: .* ([0-9]+) failed' "$log" | grep -Eo '[0-9]+ failed' | awk '{s+=$1} END {print s+0}')
echo
echo "summary: ${passed} passed, ${failed} failed"
exit "$status"
