#!/usr/bin/env bash
# The compatibility suite: the unmodified PyPI scribeauth 1.2.0 and boto3 against a live Warden.
#
#   compat/run.sh [pytest args...]
#
# Creates (or reuses) a venv at ${WARDEN_CACHE_DIR:-<repo>/target/compat-cache}/venv, rebuilt
# whenever compat/requirements.txt changes (keyed by its sha256), then runs
# `pytest compat/tests -q` with the given arguments and exits with pytest's code (exit 5, "no
# tests collected", counts as a failure). Needs only python3 with pip reaching PyPI.
#
# Environment: WARDEN_BIN (default <repo>/target/debug/warden; build it with
# `cargo build -p warden-server`), WARDEN_TEST_POSTGRES_URL (also run on PostgreSQL),
# WARDEN_REQUIRE_POSTGRES=1 (fail instead of skipping PostgreSQL), WARDEN_COMPAT_KEEP=1.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/.." && pwd)"
cache="${WARDEN_CACHE_DIR:-$repo/target/compat-cache}"
venv="$cache/venv"
stamp="$venv/.requirements.sha256"
py="${PYTHON:-python3}"

hash_of() {
  if command -v sha256sum >/dev/null 2>&1; then sha256sum "$1" | cut -d' ' -f1
  else "$py" -c 'import hashlib,sys; print(hashlib.sha256(open(sys.argv[1],"rb").read()).hexdigest())' "$1"; fi
}
want="$(hash_of "$here/requirements.txt")"

setup_venv() {
  echo "== compat: creating $venv (requirements $want)" >&2
  rm -rf "$venv"
  if ! "$py" -m venv "$venv" 2>/dev/null; then
    # No ensurepip (e.g. Debian without python3-venv): an empty venv, filled by the system pip.
    rm -rf "$venv"
    "$py" -m venv --without-pip "$venv"
    "$py" -m pip --python "$venv/bin/python" install --quiet --disable-pip-version-check --no-input -r "$here/requirements.txt"
  else
    "$venv/bin/python" -m pip install --quiet --disable-pip-version-check --no-input -r "$here/requirements.txt"
  fi
  "$venv/bin/python" -c 'import scribeauth, boto3, pytest, pyotp, jwt, requests, cryptography'
  echo "$want" > "$stamp"
}

mkdir -p "$cache"
have="$(cat "$stamp" 2>/dev/null || true)"
if [ "$have" != "$want" ] || [ ! -x "$venv/bin/python" ]; then
  # One installer at a time when several runs share the cache.
  if command -v flock >/dev/null 2>&1; then
    exec 9>"$cache/.venv.lock"
    flock 9
    have="$(cat "$stamp" 2>/dev/null || true)"
  fi
  if [ "$have" != "$want" ] || [ ! -x "$venv/bin/python" ]; then
    setup_venv
  fi
  if command -v flock >/dev/null 2>&1; then flock -u 9; fi
fi

export WARDEN_BIN="${WARDEN_BIN:-$repo/target/debug/warden}"
if [ ! -x "$WARDEN_BIN" ]; then
  echo "compat: no warden binary at $WARDEN_BIN (run 'cargo build -p warden-server' or set WARDEN_BIN)" >&2
  exit 1
fi

cd "$repo"
set +e
PYTHONDONTWRITEBYTECODE=1 "$venv/bin/python" -m pytest compat/tests -q -p no:cacheprovider "$@"
rc=$?
set -e
if [ $rc -eq 5 ]; then
  echo "compat: pytest collected no tests; that is a failure here" >&2
  exit 1
fi
exit $rc
