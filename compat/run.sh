#!/usr/bin/env bash
# The compatibility suite: the unmodified PyPI scribeauth and boto3 against a live Warden.
# Creates (or reuses) a venv keyed by requirements.txt under $WARDEN_CACHE_DIR, then runs pytest.
# Needs WARDEN_BIN (the warden binary); runs on PostgreSQL too when WARDEN_TEST_POSTGRES_URL is set.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
cache="${WARDEN_CACHE_DIR:-$here/../target/compat-cache}"
key="$(sha256sum "$here/requirements.txt" | cut -c1-16)"
venv="$cache/venv-$key"
if [ ! -x "$venv/bin/pytest" ]; then
  echo "== creating $venv"
  rm -rf "$venv"
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check -r "$here/requirements.txt"
fi
export WARDEN_BIN="${WARDEN_BIN:-$here/../target/debug/warden}"
[ -x "$WARDEN_BIN" ] || { echo "no warden binary at $WARDEN_BIN (cargo build -p warden-server)" >&2; exit 1; }
set +e
"$venv/bin/pytest" "$here/tests" -q -p no:cacheprovider "$@"
rc=$?
set -e
# pytest exits 5 when it collected nothing: that is a failure here.
if [ $rc -eq 5 ]; then echo "compat: no tests collected" >&2; exit 1; fi
exit $rc
