#!/usr/bin/env bash
# Installs the test dependencies and runs every test of the workspace, then prints one closing
# line with the totals over all test binaries.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-test-deps.sh
cargo build --workspace --all-targets --locked
cargo build --workspace --bins --locked
log=$(mktemp)
trap 'rm -f "$log"' EXIT
status=0
cargo test --workspace --locked -- --test-threads="${TEST_THREADS:-2}" 2>&1 | tee "$log" || status=$?
passed=$(grep -Eo '^test result: .* ([0-9]+) passed' "$log" | grep -Eo '[0-9]+ passed' | awk '{s+=$1} END {print s+0}')
failed=$(grep -Eo '^test result: .* ([0-9]+) failed' "$log" | grep -Eo '[0-9]+ failed' | awk '{s+=$1} END {print s+0}')
echo
echo "summary: ${passed} passed, ${failed} failed"
exit "$status"
