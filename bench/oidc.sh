#!/usr/bin/env bash
# One command for issue #3's benchmark: Warden's OAuth 2.0 / OIDC door (SQLite and PostgreSQL)
# vs npm oidc-provider, side by side. Waits until no cargo/rustc runs (other builds share these
# 2 cores: checked every 30 s, up to 40 minutes), builds Warden (release), installs the pinned
# oidc-provider into ${WARDEN_CACHE_DIR:-target/bench-cache}/oidc-node and wrk, then runs
# bench/oidc.py, which writes bench/results/OIDC.md, oidc.json and oidc.png.
# Loopback only; every load run is bounded in time. Options go to oidc.py (--rounds, --seconds,
# --connections, --workloads, --profile SECONDS...); --no-build skips the build.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$here/.."
cache="${WARDEN_CACHE_DIR:-$root/target/bench-cache}"
OIDC_PROVIDER_VERSION=9.13.3
build=1
args=()
for a in "$@"; do
  if [ "$a" = "--no-build" ]; then build=0; else args+=("$a"); fi
done
mkdir -p "$cache"

wait_quiet() {
  local deadline=$((SECONDS + 2400))
  while pgrep -x cargo >/dev/null || pgrep -x rustc >/dev/null; do
    if [ "$SECONDS" -ge "$deadline" ]; then
      echo "cargo/rustc still running after 40 minutes; going ahead" >&2
      return 0
    fi
    echo "waiting for other cargo/rustc processes to finish..." >&2
    sleep 30
  done
}

command -v wrk >/dev/null || { apt-get update -qq && apt-get install -y -qq wrk; }
if [ "$build" = 1 ]; then
  wait_quiet
  (cd "$root" && cargo build --release -p warden-server)
fi
key="$(sha256sum "$here/requirements.txt" | cut -c1-16)"
venv="$cache/venv-$key"  # the same venv as bench/run.sh (matplotlib is in requirements.txt)
if [ ! -x "$venv/bin/moto_server" ]; then
  rm -rf "$venv"
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check -r "$here/requirements.txt"
fi
node_dir="$cache/oidc-node"
installed="$(node -p "require('$node_dir/node_modules/oidc-provider/package.json').version" 2>/dev/null || true)"
if [ "$installed" != "$OIDC_PROVIDER_VERSION" ]; then
  mkdir -p "$node_dir"
  (cd "$node_dir" && npm install --silent --no-audit --no-fund --save-exact "oidc-provider@$OIDC_PROVIDER_VERSION")
fi
target="${CARGO_TARGET_DIR:-$root/target}"
exec "$venv/bin/python" "$here/oidc.py" --warden "$target/release/warden" --node-dir "$node_dir" \
  --out "$here/results" --wait-quiet 2400 --profile 8 ${args[@]+"${args[@]}"}
