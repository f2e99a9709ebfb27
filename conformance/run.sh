#!/usr/bin/env bash
# The OIDC conformance harness: node:test suites that drive every target's OAuth 2.0 / OpenID
# Connect endpoints with strict RP libraries (openid-client, oauth4webapi, jose) and a real
# browser (playwright-core + Debian chromium), against Warden and the reference OP oidc-provider.
#
#   conformance/run.sh [test files or node --test args...]
#
# Installs Debian chromium when it is missing (apt-get; needs root), keeps node_modules in
# ${WARDEN_CACHE_DIR:-<repo>/target/compat-cache}/conformance-node (rebuilt with `npm ci` whenever
# package-lock.json changes, keyed by its sha256) and links it as conformance/node_modules, then
# runs `node --test --test-concurrency=1 conformance/tests/`. Exits non-zero on any failure, and
# when no test ran. Prints the differences between the targets' answers (status codes, `error`
# values) at the end: those are findings even when every test passes.
#
# Environment: CONFORMANCE_TARGETS (default "warden,oidc-provider"; also warden-sqlite,
# warden-postgres), WARDEN_BIN (default <repo>/target/debug/warden), WARDEN_TEST_POSTGRES_URL
# (also run Warden on PostgreSQL, one fresh database per server), CONFORMANCE_KEEP=1 (keep
# Warden's data dirs and logs), CONFORMANCE_OBS_DIR (keep the observations and summary there).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/.." && pwd)"
cache="${WARDEN_CACHE_DIR:-$repo/target/compat-cache}"
nodedir="$cache/conformance-node"
stamp="$nodedir/.package-lock.sha256"

command -v node >/dev/null 2>&1 || { echo "conformance: node (>= 20) is required" >&2; exit 1; }
command -v npm >/dev/null 2>&1 || { echo "conformance: npm is required" >&2; exit 1; }

if ! command -v chromium >/dev/null 2>&1; then
  echo "== conformance: installing Debian chromium" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq chromium chromium-driver >/dev/null
  command -v chromium >/dev/null 2>&1 || { echo "conformance: chromium did not install" >&2; exit 1; }
fi

hash_of() {
  if command -v sha256sum >/dev/null 2>&1; then sha256sum "$1" | cut -d' ' -f1
  else node -e 'const c=require("crypto");process.stdout.write(c.createHash("sha256").update(require("fs").readFileSync(process.argv[1])).digest("hex"))' "$1"; fi
}
want="$(hash_of "$here/package-lock.json")"

setup_node_modules() {
  echo "== conformance: npm ci into $nodedir (package-lock $want)" >&2
  rm -rf "$nodedir"
  mkdir -p "$nodedir"
  cp "$here/package.json" "$here/package-lock.json" "$nodedir/"
  (cd "$nodedir" && npm ci --no-audit --no-fund --loglevel=error)
  (cd "$nodedir" && node -e 'Promise.all(["openid-client","oauth4webapi","jose","playwright-core","oidc-provider"].map((m)=>import(m))).catch((e)=>{console.error(e);process.exit(1)})')
  echo "$want" > "$stamp"
}

mkdir -p "$cache"
have="$(cat "$stamp" 2>/dev/null || true)"
if [ "$have" != "$want" ] || [ ! -d "$nodedir/node_modules" ]; then
  # One installer at a time when several runs share the cache.
  if command -v flock >/dev/null 2>&1; then
    exec 9>"$cache/.conformance-node.lock"
    flock 9
    have="$(cat "$stamp" 2>/dev/null || true)"
  fi
  if [ "$have" != "$want" ] || [ ! -d "$nodedir/node_modules" ]; then
    setup_node_modules
  fi
  if command -v flock >/dev/null 2>&1; then flock -u 9; fi
fi

# ES modules ignore NODE_PATH: the tests find their packages through this link (git-ignored).
if [ "$(readlink "$here/node_modules" 2>/dev/null || true)" != "$nodedir/node_modules" ]; then
  if [ -e "$here/node_modules" ] && [ ! -L "$here/node_modules" ]; then
    echo "conformance: $here/node_modules is a real directory; remove it (the cache in $nodedir is used)" >&2
    exit 1
  fi
  ln -sfn "$nodedir/node_modules" "$here/node_modules"
fi

export CONFORMANCE_TARGETS="${CONFORMANCE_TARGETS:-warden,oidc-provider}"
case ",$CONFORMANCE_TARGETS," in
  *,warden,*|*,warden-sqlite,*|*,warden-postgres,*)
    export WARDEN_BIN="${WARDEN_BIN:-$repo/target/debug/warden}"
    if [ ! -x "$WARDEN_BIN" ]; then
      echo "conformance: no warden binary at $WARDEN_BIN (run 'cargo build -p warden-server' or set WARDEN_BIN)" >&2
      exit 1
    fi
    ;;
esac
if [ -n "${WARDEN_TEST_POSTGRES_URL:-}" ] && ! command -v psql >/dev/null 2>&1; then
  echo "conformance: WARDEN_TEST_POSTGRES_URL is set but psql is not installed" >&2
  exit 1
fi

if [ -n "${CONFORMANCE_OBS_DIR:-}" ]; then
  obs="$CONFORMANCE_OBS_DIR"   # kept: observations.jsonl and summary.json for a later look
  mkdir -p "$obs"
  rm -f "$obs/observations.jsonl" "$obs/summary.json"
else
  obs="$(mktemp -d "${TMPDIR:-/tmp}/warden-conformance-obs.XXXXXX")"
  trap 'rm -rf "$obs"' EXIT
fi
export CONFORMANCE_OBS_DIR="$obs"

cd "$repo"
if [ $# -eq 0 ]; then set -- conformance/tests/; fi
echo "== conformance: targets $CONFORMANCE_TARGETS" >&2
set +e
node --test --test-concurrency=1 --test-reporter=spec --test-reporter-destination=stdout \
  --test-reporter=./conformance/lib/summary-reporter.mjs --test-reporter-destination="$obs/summary.json" "$@"
rc=$?
set -e
node conformance/lib/report.mjs "$obs" || rc=1
exit $rc
