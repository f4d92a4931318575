#!/usr/bin/env bash
# Runs the README's main command (scripts/quickstart.sh) as a newcomer would and checks it:
# the build, the start, /readyz, `kubectl get ns` through the kubeconfig it printed, and a clean
# stop on SIGTERM (exit status 0). CI runs it before the tests (.ci/run).
#
# It uses the default root directory (.kcp inside the clone) unless one exists already, which
# is then left alone (a temporary root is used instead).
set -euo pipefail
cd "$(dirname "$0")/.."
work=$(mktemp -d)
pid=""
cleanup() {
  if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then kill -KILL "$pid" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT
if [ -e .kcp ]; then
  export KCP_ROOT="$work/kcp-root"
fi

# A free port: the default 6443 may be taken on a developer's machine.
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
scripts/quickstart.sh --secure-port "$port" >"$work/out" 2>"$work/err" &
pid=$!

deadline=$((SECONDS + 3600))
kubeconfig=""
while [ -z "$kubeconfig" ]; do
  kill -0 "$pid" 2>/dev/null || { cat "$work/out" "$work/err" >&2; echo "quickstart exited before printing its kubeconfig" >&2; exit 1; }
  [ $SECONDS -lt $deadline ] || { echo "quickstart printed no kubeconfig in time" >&2; exit 1; }
  kubeconfig=$(sed -n 's/^ *export KUBECONFIG=//p' "$work/out")
  [ -n "$kubeconfig" ] || sleep 1
done
echo "quickstart printed KUBECONFIG=$kubeconfig" >&2

deadline=$((SECONDS + 60))
until [ -f "$kubeconfig" ] && kubectl --kubeconfig "$kubeconfig" get --raw /readyz >/dev/null 2>&1; do
  kill -0 "$pid" 2>/dev/null || { tail -20 "$work/err" >&2; echo "kcp exited before /readyz" >&2; exit 1; }
  [ $SECONDS -lt $deadline ] || { tail -20 "$work/err" >&2; echo "kcp was not ready in time" >&2; exit 1; }
  sleep 0.2
done
kubectl --kubeconfig "$kubeconfig" get ns >"$work/ns"
grep -q '^default ' "$work/ns" || { cat "$work/ns" >&2; echo "kubectl get ns did not list default" >&2; exit 1; }

kill -TERM "$pid"
status=0
wait "$pid" || status=$?
pid=""
[ "$status" -eq 0 ] || { tail -20 "$work/err" >&2; echo "kcp did not stop cleanly (exit status $status)" >&2; exit 1; }
echo "quickstart: built, started, ready, kubectl get ns listed default, stopped cleanly" >&2
