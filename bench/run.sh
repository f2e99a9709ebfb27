#!/usr/bin/env bash
# One command: builds Warden (release), installs the peers (moto_server from PyPI, cognito-local
# from npm) and wrk, then runs bench/run.py, which writes bench/results/RESULTS.md and
# bench/results/throughput.png. Loopback only; every load run is bounded in time.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$here/.."
cache="${WARDEN_CACHE_DIR:-$root/target/bench-cache}"
mkdir -p "$cache"
command -v wrk >/dev/null || { apt-get update -qq && apt-get install -y -qq wrk; }
(cd "$root" && cargo build --release -p warden-server -p warden-ceilings)
key="$(sha256sum "$here/requirements.txt" | cut -c1-16)"
venv="$cache/venv-$key"
if [ ! -x "$venv/bin/moto_server" ]; then
  rm -rf "$venv"
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check -r "$here/requirements.txt"
fi
if [ ! -x "$cache/node/node_modules/.bin/cognito-local" ]; then
  mkdir -p "$cache/node"
  (cd "$cache/node" && npm install --silent --no-audit --no-fund cognito-local@5.3.0)
fi
target="${CARGO_TARGET_DIR:-$root/target}"
exec "$venv/bin/python" "$here/run.py" \
  --warden "$target/release/warden" --ceilings "$target/release/warden-ceilings" \
  --moto "$venv/bin/moto_server" --cognito-local "$cache/node/node_modules/cognito-local/lib/bin/start.js" \
  --out "$here/results" "$@"
