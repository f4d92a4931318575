#!/usr/bin/env bash
# Builds Kubernetes' own kube-apiserver and kube-controller-manager, and etcd, from the Go module
# in e2e/kube-apiserver into target/kube-apiserver/bin (under $CARGO_TARGET_DIR when set), where
# the e2e harness finds them (docs/testing.md).
#
# go.mod and go.sum are committed and only scripts/update-kube-apiserver.sh changes them: the
# build is -mod=readonly, so a stale go.sum fails here instead of being fixed up in passing.
# Go's module and build caches live in $HOME (Go's defaults), so a fresh clone, whose target/ is
# empty, still builds warm on a machine that built before. Nothing is done when the binaries are
# newer than every input and were built by the same Go with the same flags.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
script="$root/scripts/$(basename "$0")"
module_dir="$root/e2e/kube-apiserver"
out="${CARGO_TARGET_DIR:-$root/target}/kube-apiserver"
bin="$out/bin"
binaries=(kube-apiserver kube-controller-manager etcd)

export GOWORK=off GOTOOLCHAIN=local GOFLAGS=-mod=readonly CGO_ENABLED=0
command -v go >/dev/null 2>&1 || { echo "$0: go is not on PATH" >&2; exit 1; }

mkdir -p "$bin"
# One build at a time (two test binaries, or a script and a test, may ask at once).
exec 9>"$out/.lock"
flock 9

cd "$module_dir"
kube_version=$(go list -m -f '{{.Version}}' k8s.io/kubernetes)
[[ $kube_version =~ ^v([0-9]+)\.([0-9]+)\.[0-9]+$ ]] || {
  echo "$0: unexpected k8s.io/kubernetes version $kube_version" >&2
  exit 1
}
major=${BASH_REMATCH[1]}
minor=${BASH_REMATCH[2]}
# The release's own date, so that two builds of one version are the same binary.
build_date=$(go list -m -f '{{.Time.UTC.Format "2006-01-02T15:04:05Z"}}' k8s.io/kubernetes)

# As Kubernetes' hack/lib/version.sh stamps a release, so /version and `kubectl version` read as
# that release (and the emulation/compatibility version follows it).
ldflags="-s -w"
for pkg in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
  ldflags+=" -X $pkg.gitVersion=$kube_version -X $pkg.gitMajor=$major -X $pkg.gitMinor=$minor"
  ldflags+=" -X $pkg.buildDate=$build_date"
done
stamp="$(go version) $ldflags"

up_to_date() {
  [ -f "$out/stamp" ] && [ "$(cat "$out/stamp")" = "$stamp" ] || return 1
  local b
  for b in "${binaries[@]}"; do
    [ -x "$bin/$b" ] || return 1
    # Any input newer than this output means a rebuild.
    [ -z "$(find "$module_dir" "$script" -newer "$bin/$b" \( -name '*.go' -o -name 'go.mod' \
      -o -name 'go.sum' -o -path "$script" \) -print -quit)" ] || return 1
  done
}
if up_to_date; then
  echo "kube-apiserver $kube_version binaries are up to date in $bin"
  exit 0
fi

# A cold build downloads about 0.6 GiB of modules and fills about 2.8 GiB of build cache; a warm
# one needs little more than the 0.2 GiB of binaries. Which it is shows only once it runs, so a
# short disk is a warning here, and the reason given if the build then fails.
want_kib=$((4 * 1024 * 1024))
short=""
for dir in "$(go env GOMODCACHE)" "$(go env GOCACHE)" "$out"; do
  while [ ! -d "$dir" ]; do dir=$(dirname "$dir"); done
  free_kib=$(df -Pk "$dir" | awk 'NR == 2 { print $4 }')
  if [ "$free_kib" -lt "$want_kib" ]; then
    short="$((free_kib / 1024)) MiB free under $dir; a cold build of kube-apiserver needs about 4 GiB"
    echo "$0: warning: $short" >&2
  fi
done

echo "building kube-apiserver, kube-controller-manager $kube_version and etcd into $bin"
start=$(date +%s)
rm -f "$out/stamp"
if ! go build -trimpath -buildvcs=false -ldflags "$ldflags" -o "$bin/" \
  ./cmd/kube-apiserver ./cmd/kube-controller-manager ./cmd/etcd; then
  echo "$0: go build failed${short:+ ($short)}" >&2
  exit 1
fi
# go build leaves a binary that is already right untouched: date it for up_to_date.
for b in "${binaries[@]}"; do touch "$bin/$b"; done
echo "$stamp" >"$out/stamp"
echo "built in $(($(date +%s) - start))s"

# On a machine short of disk (CI's is not guaranteed) the build cache, about 2.8 GiB, would
# crowd out the Rust build that follows: the binaries are all the tests need, so it goes. A
# machine with room keeps it, and its next build is warm.
keep_kib=$((8 * 1024 * 1024))
cache=$(go env GOCACHE)
free_kib=$(df -Pk "$cache" | awk 'NR == 2 { print $4 }')
if [ "$free_kib" -lt "$keep_kib" ]; then
  echo "only $((free_kib / 1024)) MiB free under $cache: emptying Go's build cache"
  go clean -cache
fi
