#!/usr/bin/env bash
# Installs the test dependencies and runs every test of the workspace.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-test-deps.sh
cargo build --workspace --all-targets --locked
cargo build --workspace --bins --locked
cargo test --workspace --locked -- --test-threads="${TEST_THREADS:-2}"
